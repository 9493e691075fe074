package io.featurestore.bench;

import static io.featurestore.bench.BenchRedis.info;
import static io.featurestore.bench.BenchRedis.serverCpuSeconds;
import static io.featurestore.bench.Machine.cpuModel;
import static io.featurestore.bench.Machine.loadAverage;
import static io.featurestore.bench.Machine.machineCpuSeconds;
import static io.featurestore.bench.Machine.processCpuSeconds;
import static io.featurestore.bench.Stats.median;

import io.featurestore.core.BulkLoadResult;
import io.featurestore.core.BulkLoader;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.StoreStats;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisServer;
import io.featurestore.materializer.SyntheticUsers;
import io.featurestore.infra.ChildProcess;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;

/**
 * The batch path against the server's raw rate, measured in the same run on the same server:
 * each run lets {@code redis-benchmark} pipeline HSETs of the same six fields (the ceiling of what
 * Redis takes here), then runs {@code materializer load --count N} as a user runs it (its own JVM,
 * its defaults, launch to exit), then the in-process {@code BulkLoader.bulkLoad} for comparison.
 * See docs/BENCHMARKS.md, "Bulk load".
 */
@Command(name = "bulk-load", mixinStandardHelpOptions = true,
    description = {"Batch path: 'materializer load' (its own process) and the in-process bulk load vs redis-benchmark's",
        "raw pipelined HSET of the same 6 fields, on the same server in each run. Prints every run, the medians and",
        "PASS/MISS against the targets; exits 0 either way."})
public final class BulkLoadBenchmark implements Callable<Integer> {
  static final String RAW_FIELDS = "country_iso DE risk_segment low account_age_days 412 tx_count_7d 14 "
      + "avg_amount_30d 52.75 chargeback_count_180d 0";

  @Option(names = "--users", defaultValue = "1000000", description = "Synthetic users per run (default ${DEFAULT-VALUE}).")
  long users;

  @Option(names = "--runs", defaultValue = "3", description = "Runs; medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--redis-url", paramLabel = "URL",
      description = "Redis to measure; without it, a redis-server of its own is started on a free loopback port and stopped at the end.")
  String redisUrl;

  @Option(names = "--parallelism", defaultValue = "2",
      description = "Passed to FeatureStore.bulkLoad: pipelines in flight (default ${DEFAULT-VALUE}, as the materializer's).")
  int parallelism;

  @Option(names = "--chunk-size", defaultValue = "" + BulkLoader.DEFAULT_CHUNK_SIZE,
      description = "Passed to FeatureStore.bulkLoad: rows per pipeline (default ${DEFAULT-VALUE}, as the materializer's).")
  int chunkSize;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic users (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--ttl-seconds", defaultValue = "86400", description = "Key-level TTL of the loaded users (default ${DEFAULT-VALUE}).")
  long ttlSeconds;

  @Option(names = "--key-prefix", defaultValue = "bench:user:", description = "Prefix of the loaded users (default ${DEFAULT-VALUE}).")
  String keyPrefix;

  @Option(names = "--raw-prefix", defaultValue = "bench:raw:", description = "Prefix of redis-benchmark's keys (default ${DEFAULT-VALUE}).")
  String rawPrefix;

  @Option(names = "--baseline-pipeline", defaultValue = "64", description = "redis-benchmark -P (default ${DEFAULT-VALUE}).")
  int baselinePipeline;

  @Option(names = "--baseline-clients", defaultValue = "4", description = "redis-benchmark -c (default ${DEFAULT-VALUE}).")
  int baselineClients;

  @Option(names = "--materializer-jar", paramLabel = "JAR", defaultValue = "materializer/target/materializer.jar",
      description = "The materializer timed as users run it (default ${DEFAULT-VALUE}).")
  Path materializerJar;

  private static final double TARGET_RATIO = 0.55;
  private static final double TARGET_SECONDS = 4;

  @Option(names = "--no-verify", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "After each load, check (untimed) that every user is there with its key TTL (default: on).")
  boolean verify;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(BenchCli.commandLine(new BulkLoadBenchmark()).execute(args));
  }

  /**
   * One run's figures. CPU figures are seconds of CPU time over the phase: redis-server's
   * (INFO cpu), redis-benchmark's, this JVM's, and the whole machine's (/proc/stat).
   */
  record Run(long users, double rawPerSecond, double rawWall, double rawServerCpu, double rawToolCpu, double rawMachineCpu,
      double rowsPerSecond, double loadWall, double loadServerCpu, double loadJvmCpu, double loadMachineCpu,
      double cliWall, double cliCpu) {
    double ratio() {
      return rowsPerSecond / rawPerSecond;
    }

    /** {@code materializer load} as its own process, launch to exit: rows/s over the raw HSET rate. */
    double cliRatio() {
      return users / cliWall / rawPerSecond;
    }

    /** The materializer process's CPU time per row, start-up included, in microseconds. */
    double cliMicrosPerRow() {
      return cliCpu / users * 1e6;
    }

    double serverMicrosPerHset() {
      return rawServerCpu / users * 1e6;
    }

    /** redis-server CPU time per loaded row (HSET + EXPIRE), in microseconds. */
    double serverMicrosPerRow() {
      return loadServerCpu / users * 1e6;
    }

    /** This JVM's CPU time per loaded row (generator + validation + client), in microseconds. */
    double jvmMicrosPerRow() {
      return loadJvmCpu / users * 1e6;
    }

    double rawServerBusy() {
      return rawServerCpu / rawWall;
    }

    double rawToolBusy() {
      return rawToolCpu / rawWall;
    }

    /** Cores busy with anything else than redis-server and redis-benchmark during the raw phase. */
    double rawOtherBusy() {
      return Math.max(0, (rawMachineCpu - rawServerCpu - rawToolCpu) / rawWall);
    }

    double loadServerBusy() {
      return loadServerCpu / loadWall;
    }

    double loadJvmBusy() {
      return loadJvmCpu / loadWall;
    }

    /** Cores busy with anything else than redis-server and this JVM during the load. */
    double loadOtherBusy() {
      return Math.max(0, (loadMachineCpu - loadServerCpu - loadJvmCpu) / loadWall);
    }
  }

  @Override
  public Integer call() throws java.io.IOException {
    if (users < 1 || runs < 1 || parallelism < 1 || chunkSize < 1 || ttlSeconds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--users, --runs, --parallelism, --chunk-size and --ttl-seconds must be >= 1");
    }
    if (users > Integer.MAX_VALUE) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--users must fit redis-benchmark's -n");
    }
    if (keyPrefix.startsWith(rawPrefix) || rawPrefix.startsWith(keyPrefix)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--key-prefix and --raw-prefix must not overlap");
    }
    if (!Files.isRegularFile(materializerJar)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no materializer jar at " + materializerJar
          + "; build it (mvn -q package -DskipTests) or pass --materializer-jar");
    }
    PrintWriter out = spec.commandLine().getOut();
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry registry = bundled.withOverrides(keyPrefix, ttlSeconds, bundled.streamTtlSeconds());
    RedisBenchmarkTool tool = RedisBenchmarkTool.locate();

    RedisServer own = null;
    String url = redisUrl;
    if (url == null) {
      own = RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next());
      url = own.url();
    }
    try (FeatureStore store = FeatureStore.connect(url, registry);
         RedisClient admin = RedisClient.create(url)) {
      List<String> rawArgs = new ArrayList<>(List.of("-P", Integer.toString(baselinePipeline),
          "-c", Integer.toString(baselineClients), "-n", Long.toString(users), "-r", Long.toString(users), "-q",
          "HSET", rawPrefix + "__rand_int__"));
      rawArgs.addAll(Arrays.asList(RAW_FIELDS.split(" ")));
      List<String> rawCommand = tool.command(url, rawArgs);

      out.printf("bulk-load benchmark, %s%n", LocalDate.now());
      out.printf("machine   : %d cores (nproc), %s, Java %s, max heap %d MB, load average %s%n",
          Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"),
          Runtime.getRuntime().maxMemory() >> 20, loadAverage());
      out.printf("redis     : %s at %s%s%n", info(admin, "server", "redis_version"), url,
          own != null ? " (started by this benchmark, no persistence)" : "");
      out.printf("baseline  : %s%n", String.join(" ", redact(rawCommand)));
      out.printf("real path : java -jar %s %s (its own process, its defaults; launch to exit)%n", materializerJar,
          String.join(" ", cliArgs(url)));
      out.printf("in-process: FeatureStore.bulkLoad(SyntheticUsers.generate(%d, %d)), key TTL %d s, chunk %d, parallelism %d, prefix %s%n",
          users, seed, ttlSeconds, chunkSize, parallelism, keyPrefix);
      out.println();
      out.printf("%-4s %14s %14s %7s %8s %10s | %16s %7s %8s%n", "run", "raw HSET/s", "CLI rows/s", "ratio", "wall s",
          "CLI us/row", "in-proc. rows/s", "ratio", "wall s");
      out.flush();

      List<Run> results = new ArrayList<>();
      for (int i = 1; i <= runs; i++) {
        // FLUSHALL-free cleanup: only this benchmark's prefixes, SCAN + UNLINK.
        store.admin().reset();
        unlinkAll(url, rawPrefix);
        System.gc();

        double rawServer0 = serverCpuSeconds(admin);
        double rawMachine0 = machineCpuSeconds();
        RedisBenchmarkTool.Result raw = tool.run(rawCommand);
        double rawServerCpu = serverCpuSeconds(admin) - rawServer0;
        double rawMachineCpu = machineCpuSeconds() - rawMachine0;
        unlinkAll(url, rawPrefix);
        System.gc();

        Path log = Files.createTempFile("bench-materializer-", ".log");
        long launched = System.nanoTime();
        double cliCpu;
        try (ChildProcess cli = ChildProcess.jar("materializer", List.of(), materializerJar, cliArgs(url), java.util.Map.of(), log)) {
          int exit = cli.waitFor(Duration.ofMinutes(10));
          cliCpu = cli.cpuSeconds();
          if (exit != 0) {
            throw new FeatureStoreException("materializer load exited with " + exit + ": " + cli.outputTail(2000));
          }
        }
        double cliWall = (System.nanoTime() - launched) / 1e9;
        Files.deleteIfExists(log);
        if (verify) {
          verifyLoaded(store);
        }
        store.admin().reset();
        System.gc();

        double server0 = serverCpuSeconds(admin);
        double jvm0 = processCpuSeconds();
        double machine0 = machineCpuSeconds();
        BulkLoadResult result = store.bulkLoader().bulkLoad(SyntheticUsers.generate(users, seed), ttlSeconds, chunkSize, parallelism,
            n -> { });
        double machineCpu = machineCpuSeconds() - machine0;
        double jvmCpu = processCpuSeconds() - jvm0;
        double serverCpu = serverCpuSeconds(admin) - server0;
        if (result.rows() != users) {
          throw new FeatureStoreException("bulkLoad reported " + result.rows() + " rows, not " + users);
        }
        if (verify) {
          verifyLoaded(store);
        }
        Run run = new Run(users, raw.requestsPerSecond(), raw.wallSeconds(), rawServerCpu, raw.cpuSeconds(), rawMachineCpu,
            result.rowsPerSecond(), result.elapsed().toNanos() / 1e9, serverCpu, jvmCpu, machineCpu, cliWall, cliCpu);
        results.add(run);
        out.printf("%-4d %,14.0f %,14.0f %7.3f %8.2f %10.2f | %,16.0f %7.3f %8.2f%n", i, run.rawPerSecond(),
            users / run.cliWall(), run.cliRatio(), run.cliWall(), run.cliMicrosPerRow(), run.rowsPerSecond(), run.ratio(),
            run.loadWall());
        out.flush();
      }

      double cliRatio = median(results, Run::cliRatio);
      double perMillion = median(results, Run::cliWall) * 1_000_000 / users;
      out.printf("%-4s %,14.0f %,14.0f %7.3f %8.2f %10.2f | %,16.0f %7.3f %8.2f%n", "med", median(results, Run::rawPerSecond),
          users / median(results, Run::cliWall), cliRatio, median(results, Run::cliWall), median(results, Run::cliMicrosPerRow),
          median(results, Run::rowsPerSecond), median(results, Run::ratio), median(results, Run::loadWall));
      out.println();
      out.printf("median ratio materializer load / raw HSET : %.3f (target >= %.2f) %s%n", cliRatio, TARGET_RATIO,
          cliRatio >= TARGET_RATIO ? "PASS" : "MISS");
      out.printf("materializer load of 1,000,000 users      : %.2f s%s (target <= %.0f s) %s%n", perMillion,
          users == 1_000_000 ? "" : " (scaled from " + users + " users)", TARGET_SECONDS,
          perMillion <= TARGET_SECONDS ? "PASS" : "MISS");
      out.println();
      out.println("where the CPU went in the in-process load (cores busy, 1.00 = one core; us = CPU time of redis-server"
          + " per raw HSET / per loaded row, and of this JVM per row):");
      out.printf("%-4s %11s %10s %10s | %-29s | %-26s%n", "", "", "", "", "      raw HSET phase", "       bulkLoad phase");
      out.printf("%-4s %11s %10s %10s | %7s %13s %7s | %7s %8s %9s%n", "run", "srv us/HSET", "srv us/row", "JVM us/row",
          "server", "redis-bench.", "other", "server", "JVM", "other");
      for (int i = 0; i < results.size(); i++) {
        printCpu(out, Integer.toString(i + 1), results.get(i));
      }
      out.printf("%-4s %11.2f %10.2f %10.2f | %7.2f %13.2f %7.2f | %7.2f %8.2f %9.2f%n", "med",
          median(results, Run::serverMicrosPerHset), median(results, Run::serverMicrosPerRow),
          median(results, Run::jvmMicrosPerRow),
          median(results, Run::rawServerBusy), median(results, Run::rawToolBusy), median(results, Run::rawOtherBusy),
          median(results, Run::loadServerBusy), median(results, Run::loadJvmBusy), median(results, Run::loadOtherBusy));
      out.printf("server-side ceiling of the ratio (srv us/HSET / srv us/row): %.3f, reached when redis-server is busy"
          + " all the time in both phases%n", median(results, Run::serverMicrosPerHset) / median(results, Run::serverMicrosPerRow));
      out.println("(other: CPU used by neither redis-server nor the measured client; non-zero means something else"
          + " ran on the machine)");
      out.flush();
      return 0;
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

  /** {@code materializer load} as a user runs it: the defaults, with only what places the users named. */
  private List<String> cliArgs(String url) {
    return List.of("load", "--count", Long.toString(users), "--seed", Long.toString(seed), "--redis-url", url,
        "--key-prefix", keyPrefix, "--batch-ttl-seconds", Long.toString(ttlSeconds));
  }

  private static void printCpu(PrintWriter out, String label, Run r) {
    out.printf("%-4s %11.2f %10.2f %10.2f | %7.2f %13.2f %7.2f | %7.2f %8.2f %9.2f%n", label, r.serverMicrosPerHset(),
        r.serverMicrosPerRow(), r.jvmMicrosPerRow(), r.rawServerBusy(), r.rawToolBusy(), r.rawOtherBusy(), r.loadServerBusy(),
        r.loadJvmBusy(), r.loadOtherBusy());
  }

  /** Every user is there, with a key TTL (one SCAN; untimed). */
  private void verifyLoaded(FeatureStore store) {
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

  private void cleanUp(String url, FeatureRegistry registry) {
    try (FeatureStore store = FeatureStore.connect(url, registry); RedisClient admin = RedisClient.create(url)) {
      store.admin().reset();
      unlinkAll(url, rawPrefix);
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("warning: could not remove the benchmark's keys: " + e.getMessage());
    }
  }

  /** Removes every key under {@code prefix} (the baseline's raw keys) with the store's own SCAN + UNLINK. */
  static long unlinkAll(String url, String prefix) {
    try (FeatureStore raw = FeatureStore.connect(url, FeatureRegistry.bundled().withOverrides(prefix, 1, 1))) {
      return raw.admin().reset();
    }
  }

  private static List<String> redact(List<String> command) {
    List<String> shown = new ArrayList<>(command);
    for (int i = 0; i + 1 < shown.size(); i++) {
      if (shown.get(i).equals("-a")) {
        shown.set(i + 1, "***");
      }
    }
    return shown;
  }
}
