package io.featurestore.bench;

import io.featurestore.cli.Numbers;
import io.featurestore.core.BulkLoader;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.FreePorts;
import io.featurestore.materializer.SyntheticMerchants;
import io.featurestore.materializer.SyntheticUsers;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The serving API over HTTP against redis-benchmark's HMGET; see docs/BENCHMARKS.md, "Serving API". */
@Command(name = "serving", mixinStandardHelpOptions = true,
    description = "Serving API over HTTP vs redis-benchmark's HMGET at the same concurrency; exits 0 either way.")
public final class ServingBenchmark implements Callable<Integer> {
  /** The 5 features of a single read: batch features, present for every loaded user. */
  static final List<String> FEATURES = List.of("country_iso", "risk_segment", "account_age_days", "tx_count_7d",
      "avg_amount_30d");
  /** A phase's row; after the printed columns: service p99, lag p99, errors, reconnects, redis-benchmark's server / own cores. */
  private static final Table TABLE = new Table("phase:16", "req/s:0", "p50:3", "p99:3", "p99.9:3", "max:2", "store p50:3",
      "store p99:3", "rb req/s:0", "ratio:3", "rb p50:3", "rb p99:3", "rb p99.9:3", "serv us:1", "redis us:1", "clnt us:1",
      "serv:2", "redis:2", "clnt:2", "other:2");
  /** Both topologies' medians side by side (ratio = cluster / single): req/s, p50, p99, store p99. */
  private static final Table COMPARE = new Table("phase:16", "single req/s:0", "cluster req/s:0", "single p50:3",
      "cluster p50:3", "p50 ratio:2", "single p99:3", "cluster p99:3", "p99 ratio:2", "single store p99:3",
      "cluster store p99:3");
  private static final int SERVICE_P99 = 19;
  private static final int ERRORS = 21;
  private static final String KEY_PREFIX = "bench:serving:";
  /** The merchants' keys ({@code bench:serving-merchant:}): see {@link BenchRedis#registryFile}. */
  private static final String OTHERS_PREFIX = "bench:serving-";
  /** The service of the two-entity reads: a user and a merchant in one pipelined round trip. */
  private static final String PAIR_SERVICE = "fraud_scoring_v2";
  /** Connections of the fixed-rate phases; a request waits for a free one. */
  private static final int RATE_CONNECTIONS = 16;
  /** Targets: single read p99 (ms) and batch read p99 (ms) at their fixed rates, single reads/s at saturation. */
  private static final double TARGET_SINGLE_P99 = 1.0;
  private static final double TARGET_BATCH_P99 = 3.0;
  private static final double TARGET_THROUGHPUT = 15_000;
  /** Target: two-entity read p99 (ms) at its fixed rate. */
  private static final double TARGET_PAIR_P99 = 1.0;
  /** Cluster targets: batch read p99 (ms) at its fixed rate, and at most this many times the single server's. */
  private static final double TARGET_CLUSTER_BATCH_P99 = 5.0;
  private static final double TARGET_CLUSTER_RATIO = 2.0;
  private static final int CLUSTER_MASTERS = 3;
  private static final String HOST = "127.0.0.1";

  /** The Redis the serving API runs on: one server, or a cluster of {@link #CLUSTER_MASTERS} masters. */
  enum Topology { SINGLE, CLUSTER }

  /**
   * A kind of request: its phases' label, fixed rate, closed-loop levels or not, and its baseline:
   * redis-benchmark's HMGET pipelined {@code pipeline} deep, {@code -n baselineRequests}.
   */
  private record Kind(String name, long rate, boolean closedLoop, long pipeline, long baselineRequests) {}

  /** Loaded first; a two-entity read pairs one of the users with a merchant picked uniformly. */
  @Mixin
  Options.Events population;
  @Mixin
  Options.Runs runs = new Options.Runs(42);
  @Mixin
  Options.Redis redisOptions;
  @Option(names = "--topologies", split = ",", defaultValue = "single", paramLabel = "single|cluster",
      description = "Redis under the serving API, each with a serving process of its own, measured in turn in every run:"
          + " single (one redis-server, or --redis-url), cluster (" + CLUSTER_MASTERS + " masters, no replicas, started"
          + " by this benchmark); with both, they are compared (default ${DEFAULT-VALUE}).")
  List<Topology> topologies;
  @Option(names = "--serving-jar", paramLabel = "JAR",
      description = "The serving API's jar (default: serving-api/target/serving-api.jar in this checkout).")
  Path servingJar;
  @Option(names = "--serving-java-opts", paramLabel = "OPTS",
      description = "JVM options of the serving API, split at spaces, e.g. -XX:StartFlightRecording=filename=serving.jfr")
  String servingJavaOpts = "";
  @Option(names = "--serving-threads", paramLabel = "N",
      description = "SERVING_THREADS of the serving API (default: its own default).")
  Integer servingThreads;
  @Option(names = "--levels", split = ",", defaultValue = "1,4,16,32",
      description = "Closed-loop concurrency levels (default ${DEFAULT-VALUE}).")
  int[] levels;
  @Option(names = "--batch-size", converter = Numbers.Positive.class,
      description = "Users per batch request (default ${DEFAULT-VALUE}).")
  long batchSize = 100;
  @Option(names = "--single-rate", converter = Numbers.Positive.class,
      description = "Fixed rate of single reads, requests/s (default ${DEFAULT-VALUE}).")
  long singleRate = 1000;
  @Option(names = "--batch-rate", converter = Numbers.Positive.class,
      description = "Fixed rate of batch reads, requests/s (default ${DEFAULT-VALUE}).")
  long batchRate = 200;
  @Option(names = "--pair-rate", converter = Numbers.Positive.class, description = "Fixed rate of two-entity reads"
      + " (a user and a merchant, service " + PAIR_SERVICE + "), requests/s (default ${DEFAULT-VALUE}).")
  long pairRate = 1000;
  @Option(names = "--rate-seconds", converter = Numbers.Positive.class,
      description = "Measured seconds of a fixed-rate phase (default ${DEFAULT-VALUE}).")
  long rateSeconds = 30;
  @Option(names = "--rate-warmup-seconds",
      description = "Unrecorded seconds before each fixed-rate phase (default ${DEFAULT-VALUE}).")
  int rateWarmupSeconds = 3;
  @Option(names = "--level-seconds", converter = Numbers.Positive.class,
      description = "Measured seconds per closed-loop level (default ${DEFAULT-VALUE}).")
  long levelSeconds = 8;
  @Option(names = "--level-warmup-seconds",
      description = "Unrecorded seconds before each closed-loop level (default ${DEFAULT-VALUE}).")
  int levelWarmupSeconds = 2;
  @Option(names = "--warmup-seconds",
      description = "Closed-loop warm-up before the first run: half of it of each kind of read, single, batch and"
          + " two-entity (default ${DEFAULT-VALUE}).")
  int warmupSeconds = 20;
  @Option(names = "--baseline-requests",
      description = "redis-benchmark -n of the single HMGET baseline (default ${DEFAULT-VALUE}).")
  int baselineRequests = 150_000;
  @Option(names = "--baseline-batches",
      description = "Pipelines of the batch baseline: -P BATCH-SIZE -n BATCHES*BATCH-SIZE (default ${DEFAULT-VALUE}).")
  int baselineBatches = 20_000;
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  /** The bundled registry as the serving processes get it (users under KEY_PREFIX, merchants under OTHERS_PREFIX). */
  private Path registryFile;
  private FeatureRegistry registry;

  @Override
  public Integer call() throws Exception {
    if (population.users < batchSize || Arrays.stream(levels).anyMatch(level -> level < 1)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--users must be >= --batch-size, --levels >= 1");
    }
    servingJar = Options.jar(servingJar, "serving-api", "--serving-jar");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RedisBenchmarkTool tool = RedisBenchmarkTool.locate();
    List<Target> targets = new ArrayList<>();
    List<Kind> kinds = List.of(new Kind("single", singleRate, true, 1, baselineRequests),
        new Kind("batch", batchRate, true, batchSize, baselineBatches * batchSize),
        new Kind("2-entity", pairRate, false, 2, baselineRequests));
    try (Workspace workspace = new Workspace("serving", false, err)) {
      registryFile = workspace.dir.resolve("registry.yaml");
      registry = BenchRedis.registryFile("bundled", registryFile, KEY_PREFIX, OTHERS_PREFIX);
      try {
        for (Topology topology : EnumSet.copyOf(topologies)) {
          targets.add(new Target(topology, workspace, err));
        }
        Machine.header(out, "serving");
        String query = "?features=" + String.join(",", FEATURES);
        for (Target t : targets) {
          out.printf("%-10s: redis %s; %,d users under %s and %,d merchants under %s loaded in %.1f s (bulkLoad); serving API:"
              + " java %s-jar %s (pid %d) on %s:%d, %s%n", t.label, t.redis.describe(), population.users, KEY_PREFIX, population.merchants,
              registry.forEntity("merchant").keyPrefix(), t.loadSeconds,
              servingJavaOpts.isBlank() ? "" : servingJavaOpts + " ", servingJar, t.serving.pid(), HOST, t.port,
              servingThreads == null ? "default threads" : "SERVING_THREADS=" + servingThreads);
        }
        out.printf("client    : this JVM, plain-socket HTTP/1.1 keep-alive, one request in flight per connection%n");
        out.printf("requests  : GET /v1/features/{random of %,d users}%s; POST /v1/features/batch of %d random users (1,024"
            + " prepared bodies), the same features; GET /v1/features?user={random user}&merchant={random of %,d"
            + " merchants}&service=%s (two-entity)%n", population.users, query, batchSize, population.merchants, PAIR_SERVICE);
        out.printf("phases    : fixed rate, open loop over %d connections, %d s warm-up + %d s measured, latency from the intended"
            + " send time; closed loop at %s connections, %d s warm-up + %d s measured; each run measures %s in turn%n",
            RATE_CONNECTIONS, rateWarmupSeconds, rateSeconds, Arrays.toString(levels), levelWarmupSeconds, levelSeconds,
            targets.stream().map(t -> t.label).toList());
        out.printf("baseline  : redis-benchmark -c C -n %d HMGET %s%s %s (single); -c C -P %d -n %d (batch; a pipeline per"
            + " batch); -c 1 -P 2 -n %d (two-entity: a pipeline of 2 HMGETs, of that user's key both), on the server (of a"
            + " cluster: the master) holding that key%n%n", baselineRequests, KEY_PREFIX, Population.userId(1),
            String.join(" ", FEATURES), batchSize, baselineBatches * batchSize, baselineRequests);
        for (Target t : targets) { // JIT and pools: every endpoint, closed loop, unrecorded
          if (warmupSeconds > 0) {
            out.printf("warm-up (%s): %d s%n", t.label, warmupSeconds * kinds.size() / 2);
            out.flush();
            for (int k = 0; k < kinds.size(); k++) {
              HttpLoad.run(HOST, t.port, t.requests.get(k), k == 1 ? 8 : 16, 0, 0, TimeUnit.SECONDS.toNanos(warmupSeconds) / 2);
            }
          }
        }
        List<String> labels = new ArrayList<>();
        for (Kind kind : kinds) {
          labels.add(kind.name() + " @" + kind.rate() + "/s");
          Arrays.stream(kind.closedLoop() ? levels : new int[0]).forEach(level -> labels.add(kind.name() + " c=" + level));
        }
        for (int r = 1; r <= runs.runs; r++) {
          for (Target t : targets) {
            out.printf("%nrun %d of %d, %s%n", r, runs.runs, t.label);
            TABLE.header(out);
            List<double[]> phases = new ArrayList<>();
            Map<String, double[]> baselines = new HashMap<>();
            for (int k = 0; k < kinds.size(); k++) {
              Kind kind = kinds.get(k);
              byte[][] requests = t.requests.get(k);
              // Fixed rate: one request in flight most of the time, so the baseline runs at -c 1.
              phases.add(measure(out, labels.get(phases.size()), t, baseline(tool, t.redis, kind, 1, baselines),
                  () -> HttpLoad.run(HOST, t.port, requests, RATE_CONNECTIONS, kind.rate(),
                      TimeUnit.SECONDS.toNanos(rateWarmupSeconds), TimeUnit.SECONDS.toNanos(rateSeconds))));
              for (int level : kind.closedLoop() ? levels : new int[0]) {
                phases.add(measure(out, labels.get(phases.size()), t, baseline(tool, t.redis, kind, level, baselines),
                    () -> HttpLoad.run(HOST, t.port, requests, level, 0, TimeUnit.SECONDS.toNanos(levelWarmupSeconds),
                        TimeUnit.SECONDS.toNanos(levelSeconds))));
              }
            }
            t.measured.add(phases);
          }
        }
        for (Target t : targets) {
          t.medians = summarize(out, t, labels);
        }
        if (targets.size() == 2) {
          compare(out, targets.get(0), targets.get(1), labels);
        }
        out.flush();
        workspace.succeeded();
        return 0;
      } finally {
        Workspace.closeAll(err, targets.toArray(new AutoCloseable[0]));
      }
    }
  }

  /**
   * One topology under test: its Redis with the users and merchants loaded, a serving API on it, its
   * requests (single, batch, two-entity) and its runs.
   */
  private final class Target implements AutoCloseable {
    final String label;
    final BenchRedis redis;
    final int port = FreePorts.next();
    final double loadSeconds;
    final ChildProcess serving;
    final byte[][] single = new byte[Math.toIntExact(population.users)][];
    final byte[][] batch;
    final byte[][] pair = new byte[Math.toIntExact(population.users)][];
    final List<byte[][]> requests;
    final List<List<double[]>> measured = new ArrayList<>();
    final PrintWriter err;
    List<double[]> medians;

    Target(Topology topology, Workspace workspace, PrintWriter err) throws IOException {
      this.label = topology.name().toLowerCase(Locale.ROOT);
      this.err = err;
      this.redis = topology == Topology.CLUSTER ? BenchRedis.cluster(CLUSTER_MASTERS, err, KEY_PREFIX, OTHERS_PREFIX)
          : new BenchRedis(redisOptions, err, KEY_PREFIX, OTHERS_PREFIX);
      try {
        redis.reset();
        long loadStart = System.nanoTime();
        for (FeatureRegistry entity : List.of(registry, registry.forEntity("merchant"))) {
          try (FeatureStore store = FeatureStore.connect(redis.connection, entity)) {
            store.bulkLoader().bulkLoad(entity == registry ? SyntheticUsers.generate(population.users, runs.seed)
                : SyntheticMerchants.generate(population.merchants, runs.seed), registry.batchTtlSeconds(), BulkLoader.DEFAULT_CHUNK_SIZE,
                2, n -> { });
          }
        }
        loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        Map<String, String> env = new HashMap<>(redis.env());
        env.putAll(Map.of("SERVING_PORT", Integer.toString(port), "SERVING_HOST", HOST, "FS_KEY_PREFIX", KEY_PREFIX,
            "FS_REGISTRY_FILE", registryFile.toString()));
        if (servingThreads != null) {
          env.put("SERVING_THREADS", Integer.toString(servingThreads));
        }
        serving = ChildProcess.jar("serving-api", Options.split(servingJavaOpts), servingJar, List.of(), env,
            workspace.dir.resolve("serving-" + label + ".log"));
        serving.awaitOutput("Serving API ready", Duration.ofSeconds(60));
        String query = "?features=" + String.join(",", FEATURES);
        SplittableRandom random = new SplittableRandom(runs.seed);
        for (int i = 0; i < population.users; i++) {
          single[i] = HttpLoad.get(HOST, port, "/v1/features/" + Population.userId(i + 1L) + query);
          pair[i] = HttpLoad.get(HOST, port, "/v1/features?user=" + Population.userId(i + 1L) + "&merchant="
              + Merchants.merchantId(1 + random.nextLong(population.merchants)) + "&service=" + PAIR_SERVICE);
        }
        batch = batchRequests(HOST, port, random, 1024);
        requests = List.of(single, batch, pair);
        checkAnswers(HOST, port, this);
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      Workspace.closeAll(err, serving, redis);
    }

  }

  private double[] measure(PrintWriter out, String label, Target target, double[] base, Callable<HttpLoad.Result> load)
      throws Exception {
    boolean fixedRate = label.contains("@");
    System.gc();
    Machine.Cpu before = Machine.Cpu.now(target.serving::cpuSeconds, target.redis::cpuSeconds);
    HttpLoad.Result r = load.call();
    Machine.Cpu after = Machine.Cpu.now(target.serving::cpuSeconds, target.redis::cpuSeconds);
    double[] busy = before.busy(after); // serving, redis (every node), this JVM (the client), other
    double exchanged = Math.max(1, r.exchanged) / 1e6;
    // At a fixed rate the throughput is the schedule's, so a ratio to the baseline's rate means nothing.
    double[] row = {r.throughput(), Stats.ms(r.latency, 50), Stats.ms(r.latency, 99), Stats.ms(r.latency, 99.9),
        Stats.ms(r.latency, 100), Stats.ms(r.store, 50), Stats.ms(r.store, 99), base[0],
        fixedRate ? Double.NaN : r.throughput() / base[0],
        base[1], base[2], base[3], before.used(after, 0) / exchanged, before.used(after, 1) / exchanged,
        before.used(after, 2) / exchanged, busy[0], busy[1], busy[2], busy[3], Stats.ms(r.service, 99),
        fixedRate ? Stats.ms(r.lag, 99) : Double.NaN, r.errors, r.reconnects, base[4], base[5]};
    print(out, label, row);
    if (r.errors > 0 || r.reconnects > 0) {
      out.printf("%-16s %d errors, %d reconnects; first: %s%n", "", r.errors, r.reconnects, r.firstError);
    }
    return row;
  }

  private static void print(PrintWriter out, String label, double[] row) {
    TABLE.row(out, label, row);
    if (!Double.isNaN(row[SERVICE_P99 + 1])) {
      out.printf("%-16s service time p99 (from the actual send) %.3f ms, sender lag p99 %.3f ms%n", "", row[SERVICE_P99],
          row[SERVICE_P99 + 1]);
    }
  }

  /**
   * redis-benchmark's HMGET of one user's 5 features at {@code clients} connections, pipelined as
   * deep as the kind's (a batch: the batch size; a two-entity read: 2), requests/s then being
   * pipelines/s: its rate, p50, p99, p99.9, and the cores redis-server and redis-benchmark kept
   * busy. Measured once per run, kind and concurrency.
   */
  private double[] baseline(RedisBenchmarkTool tool, BenchRedis redis, Kind kind, int clients, Map<String, double[]> cache) {
    return cache.computeIfAbsent(kind.name() + "/" + clients, unused -> {
      List<String> args = new ArrayList<>(List.of("-c", Integer.toString(clients)));
      args.addAll(List.of("-P", Long.toString(kind.pipeline()), "-n", Long.toString(kind.baselineRequests())));
      String key = KEY_PREFIX + Population.userId(1);
      args.addAll(List.of("--precision", "3", "HMGET", key));
      args.addAll(FEATURES);
      double server0 = redis.cpuSeconds();
      RedisBenchmarkTool.Result r = tool.run(tool.command(redis.urlOf(key), args));
      double[] latency = r.latency();
      return new double[] {r.requestsPerSecond() / kind.pipeline(), latency[0], latency[1], latency[2],
          (redis.cpuSeconds() - server0) / r.wallSeconds(), r.cpuSeconds() / r.wallSeconds()};
    });
  }

  private byte[][] batchRequests(String host, int port, SplittableRandom random, int count) {
    String features = "],\"features\":[\"" + String.join("\",\"", FEATURES) + "\"]}";
    byte[][] requests = new byte[count][];
    for (int i = 0; i < count; i++) {
      StringBuilder body = new StringBuilder("{\"entity_ids\":[");
      for (int j = 0; j < batchSize; j++) {
        body.append(j == 0 ? "\"" : ",\"").append(Population.userId(1L + random.nextLong(population.users))).append('"');
      }
      requests[i] = HttpLoad.postJson(host, port, "/v1/features/batch", body.append(features).toString());
    }
    return requests;
  }

  /**
   * Untimed: the first request of each kind is answered 200 with every entity found and every
   * feature asked for present; of the two-entity read, fraud_scoring_v2's batch features (its stream
   * features are absent: nothing streams here).
   */
  private void checkAnswers(String host, int port, Target t) throws IOException {
    try (HttpLoad.Connection c = new HttpLoad.Connection(host, port)) {
      c.keepBody = true;
      check(c, t.single[0], 1, 1, FEATURES);
      check(c, t.batch[0], batchSize, batchSize, FEATURES);
      check(c, t.pair[0], 2, 0, List.of("risk_segment", "chargeback_count_180d", "merchant_risk_tier"));
    }
  }

  /** {@code found} entities found, {@code complete} of them with nothing missing, each feature in each of those (or once). */
  private static void check(HttpLoad.Connection c, byte[] request, long found, long complete, List<String> features) {
    boolean ok = c.exchange(request, new HttpLoad.Result());
    String body = c.body == null ? "" : new String(c.body, StandardCharsets.UTF_8);
    if (!ok || count(body, "\"found\":true") != found || count(body, "\"missing\":[]") != complete
        || features.stream().anyMatch(f -> count(body, "\"" + f + "\":") != Math.max(1, complete))) {
      throw new IllegalStateException("unexpected answer (status " + c.status + "): "
          + (body.length() > 400 ? body.substring(0, 400) + "…" : body));
    }
  }

  private static int count(String text, String part) {
    return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }

  private List<double[]> summarize(PrintWriter out, Target target, List<String> labels) {
    out.printf("%nmedians of %d run(s), %s%n", target.measured.size(), target.label);
    TABLE.header(out);
    List<double[]> medians = new ArrayList<>();
    StringBuilder baselineBusy = new StringBuilder("redis-benchmark's own run (cores busy, redis-server / redis-benchmark):");
    for (int i = 0; i < labels.size(); i++) {
      int phase = i;
      double[] m = Stats.medians(target.measured.stream().map(run -> run.get(phase)).toList());
      m[ERRORS] = target.measured.stream().mapToDouble(run -> run.get(phase)[ERRORS]).sum();
      medians.add(m);
      print(out, labels.get(i), m);
      if (labels.get(i).contains("c=")) {
        baselineBusy.append(String.format(" %s %.2f/%.2f;", labels.get(i), m[23], m[24]));
      }
    }
    out.println("(columns: docs/BENCHMARKS.md, \"Serving API\", \"The printed tables\")");
    out.println(baselineBusy);
    out.println();
    double[] singleFixed = medians.get(0);
    double[] batchFixed = medians.get(levels.length + 1);
    double[] pairFixed = medians.get(2 * levels.length + 2);
    int best = 1;
    for (int i = 2; i <= levels.length; i++) {
      best = medians.get(i)[0] > medians.get(best)[0] ? i : best;
    }
    String on = target.label + ": ";
    verdict(out, on + String.format("single read p99 at %,d req/s", singleRate), singleFixed[2], TARGET_SINGLE_P99, singleFixed,
        singleRate);
    verdict(out, on + String.format("two-entity read p99 at %,d req/s", pairRate), pairFixed[2], TARGET_PAIR_P99, pairFixed,
        pairRate);
    verdict(out, on + "single reads/s at saturation (" + labels.get(best) + ")", medians.get(best)[0], TARGET_THROUGHPUT, null, 0);
    verdict(out, on + String.format("%d-user batch p99 at %,d req/s", batchSize, batchRate), batchFixed[2], TARGET_BATCH_P99,
        batchFixed, batchRate);
    return medians;
  }

  /** The two topologies side by side (medians over the runs; ratio = cluster / single), and the cluster's targets. */
  private void compare(PrintWriter out, Target one, Target cluster, List<String> labels) {
    out.printf("%nsingle vs cluster, medians of %d run(s); ratio = cluster / single%n", one.measured.size());
    COMPARE.header(out);
    for (int i = 0; i < labels.size(); i++) {
      double[] a = one.medians.get(i);
      double[] b = cluster.medians.get(i);
      COMPARE.row(out, labels.get(i), a[0], b[0], a[1], b[1], b[1] / a[1], a[2], b[2], b[2] / a[2], a[6], b[6]);
    }
    int batchFixed = levels.length + 1;
    double[] b = cluster.medians.get(batchFixed);
    double ratio = b[2] / one.medians.get(batchFixed)[2];
    String perRun = String.join(" / ", IntStream.range(0, one.measured.size()).mapToObj(r -> String.format("%.2f",
        cluster.measured.get(r).get(batchFixed)[2] / one.measured.get(r).get(batchFixed)[2])).toList());
    out.println();
    verdict(out, String.format("cluster: %d-user batch p99 at %,d req/s", batchSize, batchRate), b[2], TARGET_CLUSTER_BATCH_P99,
        b, batchRate);
    out.printf("%-52s: %.2f (target <= %.1f) %s (run by run: %s)%n", "cluster / single, batch p99 at " + batchRate + " req/s", ratio,
        TARGET_CLUSTER_RATIO, Stats.verdict(ratio <= TARGET_CLUSTER_RATIO), perRun);
  }

  /** A latency (ms) at most its target at the rate asked for without errors, or a throughput at least its target. */
  private static void verdict(PrintWriter out, String what, double value, double target, double[] fixed, long rate) {
    boolean latency = fixed != null;
    boolean pass = latency ? value <= target : value >= target;
    String note = "";
    if (latency && fixed[0] < rate * 0.99) {
      pass = false;
      note = String.format(" (achieved only %,.0f req/s of %,d)", fixed[0], rate);
    }
    if (latency && fixed[ERRORS] > 0) {
      pass = false;
      note += String.format(" (%.0f errors)", fixed[ERRORS]);
    }
    String format = latency ? "%.3f ms" : "%,.0f req/s";
    out.printf("%-52s: %s (target %s %s) %s%s%n", what, String.format(format, value), latency ? "<=" : ">=",
        String.format(latency ? "%.1f ms" : format, target), Stats.verdict(pass), note);
  }
}
