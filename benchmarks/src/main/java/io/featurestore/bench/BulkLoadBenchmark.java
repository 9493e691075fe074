package io.featurestore.bench;

import io.featurestore.cli.Numbers;
import io.featurestore.core.BulkLoadResult;
import io.featurestore.core.BulkLoader;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.RedisConnection;
import io.featurestore.core.StoreStats;
import io.featurestore.infra.ChildProcess;
import io.featurestore.materializer.SyntheticUsers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The batch path against the server's raw rate, measured in the same run on the same server:
 * {@code redis-benchmark}'s pipelined HSET of the same six fields, then {@code materializer load}
 * as a user runs it (its own JVM, its defaults, launch to exit), then the in-process
 * {@code BulkLoader.bulkLoad}. See docs/BENCHMARKS.md, "Bulk load".
 */
@Command(name = "bulk-load", mixinStandardHelpOptions = true,
    description = {"Batch path: 'materializer load' (its own process) and the in-process bulk load vs redis-benchmark's",
        "raw pipelined HSET of the same 6 fields, on the same server in each run. Prints every run, the medians and",
        "PASS/MISS against the targets; exits 0 either way."})
public final class BulkLoadBenchmark implements Callable<Integer> {
  private static final List<String> RAW_FIELDS = List.of("country_iso", "DE", "risk_segment", "low", "account_age_days",
      "412", "tx_count_7d", "14", "avg_amount_30d", "52.75", "chargeback_count_180d", "0");
  private static final double TARGET_RATIO = 0.55;
  private static final double TARGET_SECONDS = 4;
  /** The CLI's own report of its load phase (after JVM start-up, parsing and connecting), whatever its locale. */
  private static final Pattern CLI_REPORT = Pattern.compile("^loaded .* in [0-9.,]+ s \\(([0-9.,\\h]+) rows/s\\)",
      Pattern.MULTILINE);

  @Option(names = "--users", converter = Numbers.Positive.class,
      description = "Synthetic users per run (default ${DEFAULT-VALUE}).")
  long users = 1_000_000;
  @Mixin
  Options.Runs runs = new Options.Runs(42);
  @Mixin
  Options.Redis redisOptions;
  @Option(names = "--parallelism", converter = Numbers.Positive.class,
      description = "Passed to FeatureStore.bulkLoad: pipelines in flight (default ${DEFAULT-VALUE}, as the materializer's).")
  long parallelism = 2;
  @Option(names = "--chunk-size", converter = Numbers.Positive.class,
      description = "Passed to FeatureStore.bulkLoad: rows per pipeline (default ${DEFAULT-VALUE}, as the materializer's).")
  long chunkSize = BulkLoader.DEFAULT_CHUNK_SIZE;
  @Option(names = "--ttl-seconds", converter = Numbers.Positive.class,
      description = "Key-level TTL of the loaded users (default ${DEFAULT-VALUE}).")
  long ttlSeconds = 86_400;
  @Option(names = "--key-prefix", description = "Prefix of the loaded users (default ${DEFAULT-VALUE}).")
  String keyPrefix = "bench:user:";
  @Option(names = "--raw-prefix", description = "Prefix of redis-benchmark's keys (default ${DEFAULT-VALUE}).")
  String rawPrefix = "bench:raw:";
  @Option(names = "--baseline-pipeline", converter = Numbers.Positive.class,
      description = "redis-benchmark -P (default ${DEFAULT-VALUE}).")
  long baselinePipeline = 64;
  @Option(names = "--baseline-clients", converter = Numbers.Positive.class,
      description = "redis-benchmark -c (default ${DEFAULT-VALUE}).")
  long baselineClients = 4;
  @Option(names = "--materializer-jar", paramLabel = "JAR",
      description = "The materializer timed as users run it (default: materializer/target/materializer.jar in this checkout).")
  Path materializerJar;
  @Option(names = "--no-verify", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "After each load, check (untimed) that every user is there with its key TTL (default: on).")
  boolean verify;
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One run's rows: the rates of the three paths, and where the CPU went in the raw and in-process phases. */
  private record Run(double[] rates, double[] cpu) {}

  @Override
  public Integer call() throws IOException {
    if (users > Integer.MAX_VALUE) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--users must fit redis-benchmark's -n");
    }
    if (keyPrefix.startsWith(rawPrefix) || rawPrefix.startsWith(keyPrefix)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--key-prefix and --raw-prefix must not overlap");
    }
    materializerJar = Options.jar(materializerJar, "materializer", "--materializer-jar");
    PrintWriter out = spec.commandLine().getOut();
    RedisBenchmarkTool tool = RedisBenchmarkTool.locate();
    try (BenchRedis redis = new BenchRedis(redisOptions, spec.commandLine().getErr(), keyPrefix, rawPrefix);
         FeatureStore store = FeatureStore.connect(redis.url, BenchRedis.registry(keyPrefix))) {
      List<String> rawArgs = new ArrayList<>(List.of("-P", Long.toString(baselinePipeline), "-c",
          Long.toString(baselineClients), "-n", Long.toString(users), "-r", Long.toString(users), "-q", "HSET",
          rawPrefix + "__rand_int__"));
      rawArgs.addAll(RAW_FIELDS);
      List<String> rawCommand = tool.command(redis.url, rawArgs);
      Machine.header(out, "bulk-load");
      out.printf("redis     : %s%n", redis.describe());
      out.printf("baseline  : %s%n", RedisBenchmarkTool.shown(rawCommand));
      out.printf("real path : java -jar %s %s (its own process, its defaults; launch to exit)%n", materializerJar,
          String.join(" ", cliArgs(RedisConnection.redactedUrl(redis.url))));
      out.printf("in-process: FeatureStore.bulkLoad(SyntheticUsers.generate(%d, %d)), key TTL %d s, chunk %d, parallelism %d,"
          + " prefix %s%n%n", users, runs.seed, ttlSeconds, chunkSize, parallelism, keyPrefix);
      Table rates = new Table("run:6", "raw HSET/s:0", "CLI rows/s:0", "ratio:3", "wall s:2", "CLI us/row:2",
          "CLI load rows/s:0", "load ratio:3", "in-proc. rows/s:0", "in-proc. ratio:3", "in-proc. wall s:2");
      rates.header(out);
      List<Run> results = new ArrayList<>();
      for (int i = 1; i <= runs.runs; i++) {
        results.add(runOnce(tool, rawCommand, redis, store));
        rates.row(out, Integer.toString(i), results.get(i - 1).rates());
      }
      List<double[]> rateRows = results.stream().map(Run::rates).toList();
      rates.medians(out, rateRows);
      double[] med = Stats.medians(rateRows);
      double perMillion = med[3] * 1_000_000 / users;
      out.println();
      out.printf("median ratio materializer load / raw HSET, the load rate it reports : %.3f (target >= %.2f) %s%n", med[6],
          TARGET_RATIO, Stats.verdict(med[6] >= TARGET_RATIO));
      out.printf("the same from launch to exit, JVM start-up included                : %.3f (target >= %.2f) %s%n", med[2],
          TARGET_RATIO, Stats.verdict(med[2] >= TARGET_RATIO));
      out.printf("materializer load of 1,000,000 users, launch to exit              : %.2f s%s (target <= %.0f s) %s%n",
          perMillion, users == 1_000_000 ? "" : " (scaled from " + users + " users)", TARGET_SECONDS,
          Stats.verdict(perMillion <= TARGET_SECONDS));
      out.println();
      out.println("where the CPU went in the raw HSET and the in-process phases:");
      Table cpu = new Table("run:6", "srv us/HSET:2", "srv us/row:2", "JVM us/row:2", "raw: server:2", "redis-bench.:2",
          "other:2", "load: server:2", "JVM:2", "other:2");
      cpu.header(out);
      for (int i = 0; i < results.size(); i++) {
        cpu.row(out, Integer.toString(i + 1), results.get(i).cpu());
      }
      List<double[]> cpuRows = results.stream().map(Run::cpu).toList();
      cpu.medians(out, cpuRows);
      double[] cpuMed = Stats.medians(cpuRows);
      out.printf("server-side ceiling of the ratio (srv us/HSET / srv us/row): %.3f, reached when redis-server is busy"
          + " all the time in both phases%n", cpuMed[0] / cpuMed[1]);
      out.println("(columns of both tables: docs/BENCHMARKS.md, \"Bulk load\", \"The printed tables\")");
      out.flush();
      return 0;
    }
  }

  private Run runOnce(RedisBenchmarkTool tool, List<String> rawCommand, BenchRedis redis, FeatureStore store)
      throws IOException {
    redis.reset();
    System.gc();
    Machine.Cpu raw0 = Machine.Cpu.now(redis::cpuSeconds, () -> 0);
    RedisBenchmarkTool.Result raw = tool.run(rawCommand);
    Machine.Cpu raw1 = Machine.Cpu.now(redis::cpuSeconds, raw::cpuSeconds);
    redis.reset();
    System.gc();

    Path log = Files.createTempFile("bench-materializer-", ".log");
    long launched = System.nanoTime();
    double cliCpu;
    try (ChildProcess cli = ChildProcess.jar("materializer", List.of(), materializerJar, cliArgs(redis.url), Map.of(), log)) {
      int exit = cli.waitFor(Duration.ofMinutes(10));
      cliCpu = cli.cpuSeconds();
      if (exit != 0) {
        throw new FeatureStoreException("materializer load exited with " + exit + ": " + cli.outputTail(2000));
      }
    }
    double cliWall = (System.nanoTime() - launched) / 1e9;
    Matcher report = CLI_REPORT.matcher(Files.readString(log));
    if (!report.find()) {
      throw new FeatureStoreException("materializer load did not report its rate: " + Files.readString(log));
    }
    double cliLoadRate = Double.parseDouble(report.group(1).replaceAll("[^0-9]", "")); // rounded to a row
    Files.deleteIfExists(log);
    verifyLoaded(store);
    redis.reset();
    System.gc();

    Machine.Cpu load0 = Machine.Cpu.now(redis::cpuSeconds);
    BulkLoadResult result = store.bulkLoader().bulkLoad(SyntheticUsers.generate(users, runs.seed), ttlSeconds,
        Math.toIntExact(chunkSize), Math.toIntExact(parallelism), n -> { });
    Machine.Cpu load1 = Machine.Cpu.now(redis::cpuSeconds);
    if (result.rows() != users) {
      throw new FeatureStoreException("bulkLoad reported " + result.rows() + " rows, not " + users);
    }
    verifyLoaded(store);

    double rawRate = raw.requestsPerSecond();
    double loadWall = result.elapsed().toNanos() / 1e9;
    double[] rawBusy = raw0.busy(raw1); // redis-server, redis-benchmark, this JVM, other
    double[] loadBusy = load0.busy(load1); // redis-server, this JVM, other
    double perRow = 1e6 / users;
    return new Run(
        new double[] {rawRate, users / cliWall, users / cliWall / rawRate, cliWall, cliCpu * perRow, cliLoadRate,
            cliLoadRate / rawRate, result.rowsPerSecond(), result.rowsPerSecond() / rawRate, loadWall},
        new double[] {raw0.used(raw1, 0) * perRow, load0.used(load1, 0) * perRow, load0.used(load1, 1) * perRow,
            rawBusy[0], rawBusy[1], rawBusy[3], loadBusy[0], loadBusy[1], loadBusy[2]});
  }

  /** {@code materializer load} as a user runs it: the defaults, with only what places the users named. */
  private List<String> cliArgs(String url) {
    return List.of("load", "--count", Long.toString(users), "--seed", Long.toString(runs.seed), "--redis-url", url,
        "--key-prefix", keyPrefix, "--batch-ttl-seconds", Long.toString(ttlSeconds));
  }

  /** Every user is there, with a key TTL (one SCAN; untimed). */
  private void verifyLoaded(FeatureStore store) {
    if (!verify) {
      return;
    }
    StoreStats stats = store.admin().stats(3);
    if (stats.entities() != users) {
      throw new FeatureStoreException("expected " + users + " users under " + keyPrefix + ", found " + stats.entities());
    }
    stats.sampleKeyTtls().forEach((id, ttl) -> {
      if (ttl <= 0 || ttl > ttlSeconds) {
        throw new FeatureStoreException("user " + id + " has key TTL " + ttl + ", expected (0, " + ttlSeconds + "]");
      }
    });
  }
}
