package io.featurestore.bench;

import io.featurestore.core.BulkLoader;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisServer;
import io.featurestore.materializer.SyntheticUsers;
import io.featurestore.population.Population;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;

/**
 * The serving API under load, against Redis' own {@code redis-benchmark} HMGET at the same
 * concurrency in the same run. Loads synthetic users with {@link FeatureStore#bulkLoad},
 * starts {@code serving-api.jar} as its own process (as in production), and drives it over
 * keep-alive HTTP/1.1 connections from this JVM ({@link HttpLoad}):
 * <ul>
 *   <li>fixed rate, open loop, latency from the intended send time: single reads of 5
 *   features at 1,000/s, 100-user batch reads at 200/s;</li>
 *   <li>closed loop at several concurrency levels: the saturation throughput and its
 *   latency, for single and batch reads.</li>
 * </ul>
 */
@Command(name = "serving", mixinStandardHelpOptions = true,
    description = {"Serving API over HTTP vs redis-benchmark's HMGET at the same concurrency.",
        "Single reads of 5 features and 100-user batch reads over keep-alive HTTP/1.1: at a fixed",
        "rate (open loop, latency from the intended send time) and closed loop at several",
        "concurrency levels, beside redis-benchmark's HMGET (pipelined by the batch size for",
        "batches) at the same concurrency, in the same run. Starts serving-api.jar as its own",
        "process. Prints p50/p99/p99.9, throughput, CPU per request and PASS/MISS against the",
        "targets; exits 0 either way."})
public final class ServingBenchmark implements Callable<Integer> {
  /** The 5 features of a single read: batch features, present for every loaded user. */
  static final List<String> FEATURES = List.of("country_iso", "risk_segment", "account_age_days", "tx_count_7d",
      "avg_amount_30d");

  @Option(names = "--users", defaultValue = "100000", description = "Synthetic users loaded first (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--runs", defaultValue = "3", description = "Runs of every phase; medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--redis-url", paramLabel = "URL",
      description = "Redis to use; without it, a redis-server of its own is started on a free loopback port and stopped at the end.")
  String redisUrl;

  @Option(names = "--serving-jar", defaultValue = "serving-api/target/serving-api.jar",
      description = "The serving API's runnable jar (default ${DEFAULT-VALUE}, relative to the working directory).")
  Path servingJar;

  @Option(names = "--serving-java-opts", defaultValue = "", paramLabel = "OPTS",
      description = "JVM options of the serving API, split at spaces (default: none, as `java -jar`), e.g. -XX:StartFlightRecording=filename=serving.jfr")
  String servingJavaOpts;

  @Option(names = "--serving-threads", paramLabel = "N", description = "SERVING_THREADS of the serving API (default: its own default).")
  Integer servingThreads;

  @Option(names = "--key-prefix", defaultValue = "bench:serving:", description = "Key prefix of the loaded users (default ${DEFAULT-VALUE}).")
  String keyPrefix;

  @Option(names = "--levels", defaultValue = "1,4,16,32", split = ",", description = "Closed-loop concurrency levels (default ${DEFAULT-VALUE}).")
  int[] levels;

  @Option(names = "--batch-size", defaultValue = "100", description = "Users per batch request (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--single-rate", defaultValue = "1000", description = "Fixed rate of single reads, requests/s (default ${DEFAULT-VALUE}).")
  int singleRate;

  @Option(names = "--batch-rate", defaultValue = "200", description = "Fixed rate of batch reads, requests/s (default ${DEFAULT-VALUE}).")
  int batchRate;

  @Option(names = "--rate-connections", defaultValue = "16",
      description = "Keep-alive connections of the fixed-rate phases (default ${DEFAULT-VALUE}); a request waits for a free one.")
  int rateConnections;

  @Option(names = "--rate-seconds", defaultValue = "30", description = "Measured seconds of a fixed-rate phase (default ${DEFAULT-VALUE}).")
  int rateSeconds;

  @Option(names = "--rate-warmup-seconds", defaultValue = "3", description = "Unrecorded seconds before each fixed-rate phase (default ${DEFAULT-VALUE}).")
  int rateWarmupSeconds;

  @Option(names = "--level-seconds", defaultValue = "8", description = "Measured seconds per closed-loop level (default ${DEFAULT-VALUE}).")
  int levelSeconds;

  @Option(names = "--level-warmup-seconds", defaultValue = "2", description = "Unrecorded seconds before each closed-loop level (default ${DEFAULT-VALUE}).")
  int levelWarmupSeconds;

  @Option(names = "--warmup-seconds", defaultValue = "20",
      description = "Warm-up of the serving JVM before the first run: half single, half batch reads, closed loop (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--baseline-requests", defaultValue = "150000", description = "redis-benchmark -n of the single HMGET baseline (default ${DEFAULT-VALUE}).")
  int baselineRequests;

  @Option(names = "--baseline-batches", defaultValue = "20000",
      description = "Pipelines of the batch baseline: redis-benchmark -P BATCH-SIZE -n BATCHES*BATCH-SIZE (default ${DEFAULT-VALUE}).")
  int baselineBatches;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the users and of the request mix (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--target-single-p99-ms", defaultValue = "1.0", description = "Target: single read p99 at the fixed rate (default ${DEFAULT-VALUE}).")
  double targetSingleP99;

  @Option(names = "--target-single-throughput", defaultValue = "15000", description = "Target: single reads/s at saturation (default ${DEFAULT-VALUE}).")
  double targetThroughput;

  @Option(names = "--target-batch-p99-ms", defaultValue = "3.0", description = "Target: batch read p99 at the fixed rate (default ${DEFAULT-VALUE}).")
  double targetBatchP99;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(BenchCli.commandLine(new ServingBenchmark()).execute(args));
  }

  enum Kind {
    SINGLE("single"), BATCH("batch");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** redis-benchmark's figures: requests/s (commands/s with -P) and latency in ms. */
  record Baseline(double requestsPerSecond, double p50, double p99, double p999, double max, double serverBusy,
      double toolBusy) {
  }

  /** CPU seconds of every party at one instant. */
  record Cpu(long nanos, double redis, double serving, double generator, double machine) {
  }

  /** One measured phase of one run, with the baseline measured just before it. */
  record Phase(Kind kind, boolean fixedRate, int level, double throughput, double p50, double p99, double p999,
      double max, double serviceP99, double lagP99, double storeP50, double storeP99, long requests, long errors,
      long reconnects, String firstError, double servingUs, double redisUs, double generatorUs, double servingBusy,
      double redisBusy, double generatorBusy, double otherBusy, Baseline baseline, int batchSize) {

    String key() {
      return kind.label + (fixedRate ? " @" + level + "/s" : " c=" + level);
    }

    /** The baseline's requests/s in this phase's units: HMGETs, or pipelines of batchSize HMGETs. */
    double baselineThroughput() {
      return kind == Kind.SINGLE ? baseline.requestsPerSecond() : baseline.requestsPerSecond() / batchSize;
    }

    double ratio() {
      return throughput / baselineThroughput();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (users < batchSize || runs < 1 || batchSize < 1 || singleRate < 1 || batchRate < 1 || rateConnections < 1
        || rateSeconds < 1 || levelSeconds < 1 || levels.length == 0 || Arrays.stream(levels).anyMatch(l -> l < 1)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--users (>= --batch-size), --runs, --batch-size, rates, connections, seconds and levels must be >= 1");
    }
    if (!Files.isRegularFile(servingJar)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no serving API jar at " + servingJar
          + " (build it: mvn -q -B install -DskipTests -DskipITs, run from the checkout, or give --serving-jar)");
    }
    PrintWriter out = spec.commandLine().getOut();
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry registry = bundled.withOverrides(keyPrefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
    RedisBenchmarkTool tool = RedisBenchmarkTool.locate();

    RedisServer own = null;
    String url = redisUrl;
    if (url == null) {
      own = RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next());
      url = own.url();
    }
    ServingProcess serving = null;
    try (FeatureStore store = FeatureStore.connect(url, registry); RedisClient admin = RedisClient.create(url)) {
      store.admin().reset();
      long loadStart = System.nanoTime();
      store.bulkLoader().bulkLoad(SyntheticUsers.generate(users, seed), registry.batchTtlSeconds(), BulkLoader.DEFAULT_CHUNK_SIZE, 2,
          n -> { });
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;

      int port = FreePorts.next();
      serving = ServingProcess.start(servingJar, split(servingJavaOpts), servingEnv(url, port));
      serving.awaitReady(port, 60);

      String host = "127.0.0.1";
      SplittableRandom random = new SplittableRandom(seed);
      byte[][] single = singleRequests(host, port);
      byte[][] batch = batchRequests(host, port, random, 1024);
      String sample = Population.userId(1);
      String fields = String.join(" ", FEATURES);
      checkAnswers(host, port, single[0], batch[0]);

      List<String> singleBaselineArgs = new ArrayList<>(List.of("--precision", "3", "HMGET", keyPrefix + sample));
      singleBaselineArgs.addAll(FEATURES);

      out.printf("serving benchmark, %s%n", LocalDate.now());
      out.printf("machine   : %d cores (nproc), %s, Java %s, load average %s%n",
          Runtime.getRuntime().availableProcessors(), BulkLoadBenchmark.cpuModel(), System.getProperty("java.version"),
          BulkLoadBenchmark.loadAverage());
      out.printf("redis     : %s at %s%s; %,d users loaded under %s in %.1f s (bulkLoad)%n",
          BulkLoadBenchmark.info(admin, "server", "redis_version"), url,
          own != null ? " (started by this benchmark, no persistence)" : "", users, keyPrefix, loadSeconds);
      out.printf("serving   : java %s-jar %s (pid %d) on %s:%d, %s%n",
          servingJavaOpts.isBlank() ? "" : servingJavaOpts + " ", servingJar, serving.pid(), host, port,
          servingThreads == null ? "default SERVING_THREADS" : "SERVING_THREADS=" + servingThreads);
      out.printf("client    : this JVM, plain-socket HTTP/1.1 keep-alive, one request in flight per connection%n");
      out.printf("single    : GET /v1/features/{random of %,d users}?features=%s%n", users, String.join(",", FEATURES));
      out.printf("batch     : POST /v1/features/batch, %d random users (of 1,024 prepared bodies), the same 5 features%n",
          batchSize);
      out.printf("fixed rate: open loop over %d connections, %d s warm-up + %d s measured, latency from the intended"
          + " send time%n", rateConnections, rateWarmupSeconds, rateSeconds);
      out.printf("closed    : levels %s, %d s warm-up + %d s measured per level%n", Arrays.toString(levels),
          levelWarmupSeconds, levelSeconds);
      out.printf("baseline  : redis-benchmark -c C -n %d %s (single); -c C -P %d -n %d (batch; per pipeline = per batch)%n",
          baselineRequests, "HMGET " + keyPrefix + sample + " " + fields, batchSize, baselineBatches * batchSize);
      out.println();
      out.flush();

      // JIT and pools: both endpoints, closed loop, unrecorded.
      if (warmupSeconds > 0) {
        out.printf("warm-up: %d s%n", warmupSeconds);
        out.flush();
        long half = TimeUnit.SECONDS.toNanos(warmupSeconds) / 2;
        HttpLoad.closedLoop(host, port, single, 16, half, 0);
        HttpLoad.closedLoop(host, port, batch, 8, half, 0);
      }

      List<List<Phase>> allRuns = new ArrayList<>();
      for (int r = 1; r <= runs; r++) {
        out.printf("%nrun %d of %d%n", r, runs);
        printHeader(out);
        List<Phase> phases = new ArrayList<>();
        Map<String, Baseline> baselines = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
          byte[][] requests = kind == Kind.SINGLE ? single : batch;
          int rate = kind == Kind.SINGLE ? singleRate : batchRate;
          // Fixed rate: one request in flight most of the time, so the baseline runs at -c 1.
          Baseline base = baseline(tool, url, kind, 1, singleBaselineArgs, baselines);
          Phase fixed = measure(kind, true, rate, base, serving, admin,
              () -> HttpLoad.fixedRate(host, port, requests, rateConnections, rate, rateWarmupSeconds, rateSeconds));
          print(out, fixed);
          phases.add(fixed);
          for (int level : levels) {
            Baseline b = baseline(tool, url, kind, level, singleBaselineArgs, baselines);
            Phase closed = measure(kind, false, level, b, serving, admin,
                () -> HttpLoad.closedLoop(host, port, requests, level, TimeUnit.SECONDS.toNanos(levelWarmupSeconds),
                    TimeUnit.SECONDS.toNanos(levelSeconds)));
            print(out, closed);
            phases.add(closed);
          }
        }
        allRuns.add(phases);
      }

      summarize(out, allRuns);
      return 0;
    } finally {
      try {
        if (serving != null) {
          serving.close();
        }
      } finally {
        try {
          cleanUp(url, registry);
        } finally {
          if (own != null) {
            own.close();
          }
        }
      }
    }
  }

  @FunctionalInterface
  interface Load {
    HttpLoad.Result run() throws InterruptedException;
  }

  private Phase measure(Kind kind, boolean fixedRate, int level, Baseline baseline, ServingProcess serving,
      RedisClient admin, Load load) throws InterruptedException {
    System.gc();
    Cpu before = cpu(serving, admin);
    HttpLoad.Result result = load.run();
    Cpu after = cpu(serving, admin);
    double wall = (after.nanos() - before.nanos()) / 1e9;
    double redis = after.redis() - before.redis();
    double servingCpu = after.serving() - before.serving();
    double generator = after.generator() - before.generator();
    double machine = after.machine() - before.machine();
    long exchanged = Math.max(1, result.exchanged);
    return new Phase(kind, fixedRate, level, result.throughput(), ms(result.latency, 50), ms(result.latency, 99),
        ms(result.latency, 99.9), result.latency.getMaxValue() / 1000.0, ms(result.service, 99), ms(result.lag, 99),
        ms(result.store, 50), ms(result.store, 99), result.requests, result.errors, result.reconnects, result.firstError,
        servingCpu / exchanged * 1e6, redis / exchanged * 1e6, generator / exchanged * 1e6, servingCpu / wall,
        redis / wall, generator / wall, Math.max(0, (machine - redis - servingCpu - generator) / wall), baseline,
        batchSize);
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static Cpu cpu(ServingProcess serving, RedisClient admin) {
    return new Cpu(System.nanoTime(), BulkLoadBenchmark.serverCpuSeconds(admin), serving.cpuSeconds(),
        BulkLoadBenchmark.processCpuSeconds(), BulkLoadBenchmark.machineCpuSeconds());
  }

  private Baseline baseline(RedisBenchmarkTool tool, String url, Kind kind, int clients, List<String> singleArgs,
      Map<String, Baseline> cache) {
    String key = kind.label + "/" + clients;
    Baseline known = cache.get(key);
    if (known != null) {
      return known;
    }
    List<String> args = new ArrayList<>(List.of("-c", Integer.toString(clients)));
    if (kind == Kind.SINGLE) {
      args.addAll(List.of("-n", Integer.toString(baselineRequests)));
    } else {
      args.addAll(List.of("-P", Integer.toString(batchSize), "-n", Long.toString((long) baselineBatches * batchSize)));
    }
    args.addAll(singleArgs);
    Baseline b = runRedisBenchmark(tool, url, tool.command(url, args));
    cache.put(key, b);
    return b;
  }

  private static final Pattern THROUGHPUT = Pattern.compile("throughput summary: ([0-9.]+) requests per second");
  private static final Pattern SUMMARY = Pattern.compile(
      "avg\\s+min\\s+p50\\s+p95\\s+p99\\s+max\\s*\\n\\s*([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s*([0-9.]+)% <= ([0-9.]+) milliseconds");

  /** Runs redis-benchmark (full output: its latency summary and percentile distribution) and parses it. */
  static Baseline runRedisBenchmark(RedisBenchmarkTool tool, String url, List<String> command) {
    RedisClient admin = RedisClient.create(url);
    try {
      double server0 = BulkLoadBenchmark.serverCpuSeconds(admin);
      long start = System.nanoTime();
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      StringBuilder output = new StringBuilder();
      Thread reader = new Thread(() -> {
        try {
          String all = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (output) {
            output.append(all);
          }
        } catch (IOException e) {
          // the exit code and the missing figures report it
        }
      }, "redis-benchmark-output");
      reader.setDaemon(true);
      reader.start();
      // Its CPU time is only readable while it runs: sampled every 20 ms.
      double toolCpu = 0;
      long deadline = start + TimeUnit.MINUTES.toNanos(10);
      while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
        toolCpu = process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(toolCpu);
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IllegalStateException("redis-benchmark did not finish within 10 minutes");
        }
      }
      double wall = (System.nanoTime() - start) / 1e9;
      reader.join(10_000);
      String text;
      synchronized (output) {
        text = output.toString().replace('\r', '\n');
      }
      double serverCpu = BulkLoadBenchmark.serverCpuSeconds(admin) - server0;
      Matcher rate = THROUGHPUT.matcher(text);
      Matcher summary = SUMMARY.matcher(text);
      if (process.exitValue() != 0 || !rate.find() || !summary.find()) {
        String tail = text.strip();
        tail = tail.length() > 600 ? "…" + tail.substring(tail.length() - 600) : tail;
        throw new IllegalStateException("redis-benchmark exited with " + process.exitValue() + " without figures: " + tail);
      }
      // p99.9: the first line of the percentile distribution at or above 99.9 % (an upper bound).
      double p999 = Double.NaN;
      Matcher pm = PERCENTILE.matcher(text);
      while (pm.find()) {
        if (Double.parseDouble(pm.group(1)) >= 99.9) {
          p999 = Double.parseDouble(pm.group(2));
          break;
        }
      }
      return new Baseline(Double.parseDouble(rate.group(1)), Double.parseDouble(summary.group(3)),
          Double.parseDouble(summary.group(5)), p999, Double.parseDouble(summary.group(6)), serverCpu / wall,
          toolCpu / wall);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + tool.binary(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running redis-benchmark", e);
    } finally {
      admin.close();
    }
  }

  private byte[][] singleRequests(String host, int port) {
    String query = "?features=" + String.join(",", FEATURES);
    byte[][] requests = new byte[users][];
    for (int i = 0; i < users; i++) {
      requests[i] = HttpLoad.get(host, port, "/v1/features/" + Population.userId(i + 1L) + query);
    }
    return requests;
  }

  private byte[][] batchRequests(String host, int port, SplittableRandom random, int count) {
    StringBuilder features = new StringBuilder("],\"features\":[");
    for (int f = 0; f < FEATURES.size(); f++) {
      features.append(f == 0 ? "\"" : ",\"").append(FEATURES.get(f)).append('"');
    }
    features.append("]}");
    byte[][] requests = new byte[count][];
    for (int i = 0; i < count; i++) {
      StringBuilder body = new StringBuilder("{\"entity_ids\":[");
      for (int j = 0; j < batchSize; j++) {
        body.append(j == 0 ? "\"" : ",\"").append(Population.userId(1L + random.nextInt(users))).append('"');
      }
      body.append(features);
      requests[i] = HttpLoad.postJson(host, port, "/v1/features/batch", body.toString());
    }
    return requests;
  }

  /** Untimed: the requests are answered 200 with every user found and every feature present. */
  private void checkAnswers(String host, int port, byte[] single, byte[] batch) throws IOException {
    HttpLoad.Connection c = new HttpLoad.Connection(host, port);
    try {
      c.keepBody = true;
      HttpLoad.Result scratch = new HttpLoad.Result();
      for (byte[] request : List.of(single, batch)) {
        boolean ok = c.exchange(request, scratch);
        String body = c.body == null ? "" : new String(c.body, StandardCharsets.UTF_8);
        int expected = request == single ? 1 : batchSize;
        if (!ok || count(body, "\"found\":true") != expected || count(body, "\"missing\":[]") != expected
            || FEATURES.stream().anyMatch(f -> count(body, "\"" + f + "\":") != expected)) {
          throw new IllegalStateException("unexpected answer (status " + c.status + "): "
              + (body.length() > 400 ? body.substring(0, 400) + "…" : body));
        }
      }
    } finally {
      c.close();
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  private Map<String, String> servingEnv(String url, int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("REDIS_URL", url);
    env.put("SERVING_PORT", Integer.toString(port));
    env.put("SERVING_HOST", "127.0.0.1");
    env.put("FS_KEY_PREFIX", keyPrefix);
    if (servingThreads != null) {
      env.put("SERVING_THREADS", Integer.toString(servingThreads));
    }
    return env;
  }

  private static List<String> split(String options) {
    return options.isBlank() ? List.of() : Arrays.asList(options.trim().split("\\s+"));
  }

  private void cleanUp(String url, FeatureRegistry registry) {
    try (FeatureStore store = FeatureStore.connect(url, registry)) {
      store.admin().reset();
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("warning: could not remove the benchmark's keys: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- output

  private static final String HEADER_FORMAT = "%-16s %9s %7s %7s %7s %7s | %7s %7s | %9s %6s %7s %7s %7s | %6s %6s %6s | %5s %5s %5s %5s%n";
  private static final String ROW_FORMAT = "%-16s %,9.0f %7.3f %7.3f %7.3f %7.2f | %7.3f %7.3f | %,9.0f %6.3f %7.3f %7.3f %7.3f | %6.1f %6.1f %6.1f | %5.2f %5.2f %5.2f %5.2f%n";

  private static void printHeader(PrintWriter out) {
    out.printf("%-16s %-39s | %-15s | %-42s | %-20s | %s%n", "", "  serving API over HTTP (ms)", " store (ms)",
        "   redis-benchmark, same concurrency (ms)", " CPU us per request", "cores busy");
    out.printf(HEADER_FORMAT, "phase", "req/s", "p50", "p99", "p99.9", "max", "p50", "p99", "req/s", "ratio", "p50",
        "p99", "p99.9", "serv.", "redis", "client", "serv.", "redis", "clnt", "other");
    out.flush();
  }

  private static void print(PrintWriter out, Phase p) {
    // At a fixed rate the throughput is the schedule's, so a ratio to the baseline's rate means nothing: "-".
    String row = String.format(ROW_FORMAT, p.key(), p.throughput(), p.p50(), p.p99(), p.p999(), p.max(), p.storeP50(),
        p.storeP99(), p.baselineThroughput(), p.fixedRate() ? Double.NaN : p.ratio(), p.baseline().p50(),
        p.baseline().p99(), p.baseline().p999(), p.servingUs(), p.redisUs(), p.generatorUs(), p.servingBusy(),
        p.redisBusy(), p.generatorBusy(), p.otherBusy());
    out.print(p.fixedRate() ? row.replace("    NaN ", "      - ") : row);
    if (p.fixedRate()) {
      out.printf("%-16s service time p99 (from the actual send) %.3f ms, sender lag p99 %.3f ms%n", "", p.serviceP99(),
          p.lagP99());
    }
    if (p.errors() > 0 || p.reconnects() > 0) {
      out.printf("%-16s %d errors, %d reconnects; first: %s%n", "", p.errors(), p.reconnects(), p.firstError());
    }
    out.flush();
  }

  private void summarize(PrintWriter out, List<List<Phase>> allRuns) {
    out.printf("%nmedians of %d run(s)%n", allRuns.size());
    printHeader(out);
    List<Phase> first = allRuns.get(0);
    List<Phase> medians = new ArrayList<>();
    for (int i = 0; i < first.size(); i++) {
      List<Phase> same = new ArrayList<>();
      for (List<Phase> run : allRuns) {
        same.add(run.get(i));
      }
      Phase m = medianPhase(same);
      medians.add(m);
      print(out, m);
    }
    out.println("(ratio: serving req/s over redis-benchmark's at the same concurrency; for batch, over its pipelines/s;"
        + " fixed-rate rows are compared with redis-benchmark at -c 1 by latency only."
        + " redis-benchmark's p99.9 is the upper bound of its percentile bucket. cores busy: 1.00 = one core;"
        + " other = the machine minus redis-server, the serving JVM and this JVM)");
    out.print("redis-benchmark's own run (cores busy, redis-server / redis-benchmark):");
    for (Phase m : medians) {
      if (!m.fixedRate()) {
        out.printf(" %s %.2f/%.2f;", m.key(), m.baseline().serverBusy(), m.baseline().toolBusy());
      }
    }
    out.println();
    out.println();

    Phase singleFixed = find(medians, Kind.SINGLE, true);
    Phase batchFixed = find(medians, Kind.BATCH, true);
    Phase best = null;
    for (Phase p : medians) {
      if (p.kind() == Kind.SINGLE && !p.fixedRate() && (best == null || p.throughput() > best.throughput())) {
        best = p;
      }
    }
    verdict(out, String.format("single read p99 at %,d req/s", singleRate), singleFixed.p99(), targetSingleP99,
        "ms", true, singleFixed, singleRate);
    verdict(out, "single reads/s at saturation (" + best.key() + ")", best.throughput(), targetThroughput, "req/s",
        false, null, 0);
    verdict(out, String.format("%d-user batch p99 at %,d req/s", batchSize, batchRate), batchFixed.p99(),
        targetBatchP99, "ms", true, batchFixed, batchRate);
    out.flush();
  }

  private void verdict(PrintWriter out, String what, double value, double target, String unit, boolean atMost,
      Phase fixed, int rate) {
    boolean pass = atMost ? value <= target : value >= target;
    String note = "";
    if (fixed != null && fixed.throughput() < rate * 0.99) {
      pass = false;
      note = String.format(" (achieved only %,.0f req/s of %,d)", fixed.throughput(), rate);
    }
    if (fixed != null && fixed.errors() > 0) {
      pass = false;
      note += " (" + fixed.errors() + " errors)";
    }
    out.printf("%-52s: %s %s (target %s %s %s) %s%s%n", what, unit.equals("ms") ? String.format("%.3f", value)
            : String.format("%,.0f", value), unit, atMost ? "<=" : ">=", unit.equals("ms") ? String.format("%.1f", target)
            : String.format("%,.0f", target), unit, pass ? "PASS" : "MISS", note);
  }

  private static Phase find(List<Phase> phases, Kind kind, boolean fixedRate) {
    return phases.stream().filter(p -> p.kind() == kind && p.fixedRate() == fixedRate).findFirst().orElseThrow();
  }

  private static Phase medianPhase(List<Phase> same) {
    Phase p = same.get(0);
    Baseline b = new Baseline(med(same, x -> x.baseline().requestsPerSecond()), med(same, x -> x.baseline().p50()),
        med(same, x -> x.baseline().p99()), med(same, x -> x.baseline().p999()), med(same, x -> x.baseline().max()),
        med(same, x -> x.baseline().serverBusy()), med(same, x -> x.baseline().toolBusy()));
    long errors = same.stream().mapToLong(Phase::errors).sum();
    long reconnects = same.stream().mapToLong(Phase::reconnects).sum();
    String firstError = same.stream().map(Phase::firstError).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    return new Phase(p.kind(), p.fixedRate(), p.level(), med(same, Phase::throughput), med(same, Phase::p50),
        med(same, Phase::p99), med(same, Phase::p999), med(same, Phase::max), med(same, Phase::serviceP99),
        med(same, Phase::lagP99), med(same, Phase::storeP50), med(same, Phase::storeP99),
        same.stream().mapToLong(Phase::requests).sum(), errors, reconnects, firstError, med(same, Phase::servingUs),
        med(same, Phase::redisUs), med(same, Phase::generatorUs), med(same, Phase::servingBusy),
        med(same, Phase::redisBusy), med(same, Phase::generatorBusy), med(same, Phase::otherBusy), b, p.batchSize());
  }

  private static double med(List<Phase> phases, ToDoubleFunction<Phase> figure) {
    return BulkLoadBenchmark.median(phases.stream().mapToDouble(figure).toArray());
  }

  // ---------------------------------------------------------------- the serving API's process

  /**
   * {@code java [opts] -jar serving-api.jar} with its settings in the environment, its output
   * in a log file; stopped with SIGTERM (its graceful stop), SIGKILL after 15 s. Only this
   * process is ever signalled, by its own handle.
   */
  static final class ServingProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Thread hook;

    private ServingProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
      this.hook = new Thread(process::destroy, "serving-api-stop");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    static ServingProcess start(Path jar, List<String> javaOptions, Map<String, String> env) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(javaOptions);
      command.add("-jar");
      command.add(jar.toString());
      Path log = Files.createTempFile("fs-bench-serving-", ".log");
      log.toFile().deleteOnExit(); // also when the benchmark is interrupted before close()
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      // Settings of whatever else runs on this machine must not leak into the child.
      builder.environment().keySet().removeIf(k -> k.startsWith("FS_") || k.startsWith("SERVING_")
          || k.equals("REDIS_URL") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
      builder.environment().putAll(env);
      return new ServingProcess(builder.start(), log);
    }

    long pid() {
      return process.pid();
    }

    /** Polls {@code /health/ready} until it answers 200. */
    void awaitReady(int port, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      byte[] ready = HttpLoad.get("127.0.0.1", port, "/health/ready");
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the serving API exited with " + process.exitValue() + ": " + tail());
        }
        try {
          HttpLoad.Connection c = new HttpLoad.Connection("127.0.0.1", port);
          try {
            if (c.exchange(ready, new HttpLoad.Result())) {
              return;
            }
          } finally {
            c.close();
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("the serving API was not ready within " + seconds + " s: " + tail());
    }

    double cpuSeconds() {
      return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private String tail() {
      try {
        String text = Files.readString(log);
        return text.length() > 1000 ? "…" + text.substring(text.length() - 1000) : text;
      } catch (IOException e) {
        return "(see " + log + ")";
      }
    }

    @Override
    public void close() {
      try {
        if (process.isAlive()) {
          process.destroy();
          if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already
        }
        try {
          Files.deleteIfExists(log);
        } catch (IOException e) {
          // a temp file
        }
      }
    }
  }
}
