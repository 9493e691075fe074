package io.featurestore.bench;

import static io.featurestore.bench.BulkLoadBenchmark.cpuModel;
import static io.featurestore.bench.BulkLoadBenchmark.loadAverage;
import static io.featurestore.bench.LiveLoad.FIELD;
import static io.featurestore.bench.LiveLoad.ms;

import io.featurestore.bench.LiveLoad.Phase;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;

/**
 * Freshness of streaming features: time from an event's producer send to its effect being
 * visible in Redis, under a steady load ({@link LiveLoad}: R events/s with probe transactions
 * among them, and a poller reading each probe user's field every millisecond) against the
 * real processor in its own process. A warm-up, then runs of fixed length back to back.
 */
@Command(name = "freshness", mixinStandardHelpOptions = true,
    description = {"Event produced -> feature visible in Redis, at a steady event rate against the running stream processor.",
        "Starts a KRaft broker and the stream processor (java -jar stream-processor.jar), each its own process, sends",
        "--rate events/s with probe transactions among them, and polls each probe user's tx_count_5m every ~1 ms on a",
        "dedicated connection. Reports p50/p99/max per run (HdrHistogram), the processor's own end-to-end lag metric,",
        "and the poll's Redis round trip. Prints PASS/MISS; exits 0 either way."})
public final class FreshnessBenchmark implements Callable<Integer> {
  @Mixin
  LiveLoad.Options o;

  @Option(names = "--duration-seconds", defaultValue = "60", description = "Length of each measured run (default ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--runs", defaultValue = "3", description = "Measured runs, back to back under the same load; medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup-seconds", defaultValue = "20", description = "Load before the first run, not measured (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--key-prefix", defaultValue = "bench:fresh:", description = "Prefix of the processor's keys (default ${DEFAULT-VALUE}).")
  String keyPrefix;

  @Option(names = "--target-p99-ms", defaultValue = "500", description = "Target p99 in ms (default ${DEFAULT-VALUE}).")
  double targetP99Ms;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!o.valid() || durationSeconds < 1 || runs < 1 || warmupSeconds < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "every count, rate and duration must be >= 1");
    }
    if (durationSeconds + o.probeTimeoutSeconds > 240) {
      // A probe user's transactions must all stay inside the 5-minute window for its count to be known.
      throw new CommandLine.ParameterException(spec.commandLine(), "--duration-seconds + --probe-timeout-seconds must be <= 240");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (LiveLoad.Rig rig = new LiveLoad.Rig(o, keyPrefix, "freshness", spec.commandLine().getErr())) {
      Histogram hgetRtt = hgetRoundTrips(rig.poll, rig.registry.keyOf("probe-baseline"), 20_000);
      printHeader(out, rig, hgetRtt);
      List<Phase> phases = new ArrayList<>();
      for (int i = 0; i <= runs; i++) {
        phases.add(new Phase(i, i == 0 ? "warm-up" : Integer.toString(i)));
      }
      LiveLoad load = new LiveLoad(rig);
      long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      load.start(phases.get(0), at);
      for (int i = 0; i <= runs; i++) {
        load.sleepUntil(at, rig.processor);
        load.switchTo(phases.get(i));
        if (i > 0) {
          phases.get(i - 1).snapshot(rig, false);
        }
        phases.get(i).snapshot(rig, true);
        at += TimeUnit.SECONDS.toNanos(i == 0 ? warmupSeconds : durationSeconds);
      }
      load.sleepUntil(at, rig.processor);
      phases.get(runs).snapshot(rig, false);
      load.stop();
      report(out, phases, hgetRtt);
      rig.processor.requireAlive();
      rig.succeeded();
      return 0;
    }
  }

  private void printHeader(PrintWriter out, LiveLoad.Rig rig, Histogram hgetRtt) {
    out.printf("freshness benchmark, %s%n", LocalDate.now());
    out.printf("machine   : %d cores (nproc), %s, Java %s, load average %s%n", Runtime.getRuntime().availableProcessors(),
        cpuModel(), System.getProperty("java.version"), loadAverage());
    out.printf("redis     : %s at %s%n", rig.redisInfo("redis_version"), rig.url);
    out.printf("kafka     : single-node KRaft broker, own process (KafkaBrokerMain), %d partitions per topic%n", o.partitions);
    out.printf("processor : java %s-jar %s, own process, prefix %s%s%n", o.processorJavaOpts.isBlank() ? "" : o.processorJavaOpts + " ",
        rig.jar.getFileName(), keyPrefix, rig.overrides.isEmpty() ? " (its default settings: flush every 100 ms, 1 thread)" : ", " + rig.overrides);
    out.printf("load      : %,d events/s paced every 1 ms (event simulator's producer settings: acks=all, linger 5 ms, lz4)"
        + " over %,d users; warm-up %d s, then %d runs of %d s%n", o.rate, o.users, warmupSeconds, runs, durationSeconds);
    out.printf("probes    : Poisson, mean gap %d ms (%d/s, part of the rate), a transaction for one of %d probe users per run;"
        + " latency = producer send -> new %s value read by a poller (own connection, pipelined HGET every %d us)%n",
        o.probeIntervalMs, 1000 / o.probeIntervalMs, o.probeUsers, FIELD, o.pollIntervalMicros);
    out.printf("baseline  : HGET round trip on the poller's connection, idle, 20,000 sequential: p50 %.3f ms, p99 %.3f ms,"
        + " max %.3f ms%n", ms(hgetRtt.getValueAtPercentile(50)), ms(hgetRtt.getValueAtPercentile(99)), ms(hgetRtt.getMaxValue()));
    out.println();
    out.flush();
  }

  static Histogram hgetRoundTrips(Jedis redis, String key, int n) {
    redis.hset(key, FIELD, "0");
    Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
    for (int pass = 0; pass < 2; pass++) { // the second pass with a JIT-compiled client
      h.reset();
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        redis.hget(key, FIELD);
        h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
      }
    }
    redis.del(key);
    return h;
  }

  private void report(PrintWriter out, List<Phase> phases, Histogram hgetRtt) {
    out.println("latency = producer send -> value visible in Redis (ms); proc lag = the processor's fs_processor_end_to_end_lag"
        + " (event ts -> Redis write, from its Prometheus buckets, interpolated)");
    out.printf("%-7s %8s %6s %7s %4s | %7s %7s %7s %7s %7s | %8s %8s | %8s %8s | %5s %5s %5s %5s %5s %6s%n", "run",
        "sent/s", "behind", "probes", "t/o", "p50", "p90", "p99", "p99.9", "max", "lag p50", "lag p99", "poll p50", "poll p99",
        "proc", "brokr", "redis", "bench", "other", "backlog");
    List<double[]> figures = new ArrayList<>();
    Histogram pooled = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    for (int i = 0; i < phases.size(); i++) {
      Phase ph = phases.get(i);
      double seconds = ph.seconds();
      Histogram h = ph.latencyMicros;
      double lag50 = ph.processorLagMs(0.50);
      double lag99 = ph.processorLagMs(0.99);
      out.printf("%-7s %,8.0f %6.1f %7d %4d | %7.1f %7.1f %7.1f %7.1f %7.1f | %8.1f %8.1f | %8.3f %8.3f | %5.2f %5.2f %5.2f %5.2f %5.2f %,6d%n",
          i == 0 ? "warm-up" : Integer.toString(i), ph.sent.get() / seconds, ph.maxBehindNanos / 1e6, h.getTotalCount(),
          ph.timeouts.get(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
          ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), lag50, lag99,
          ms(ph.pollRttMicros.getValueAtPercentile(50)), ms(ph.pollRttMicros.getValueAtPercentile(99)),
          ph.procBusy(), ph.brokerBusy(), ph.redisBusy(), ph.benchBusy(), ph.otherBusy(), ph.lagAtEnd);
      if (i > 0) {
        pooled.add(h);
        figures.add(new double[] {ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()),
            lag50, lag99, ph.sent.get() / seconds});
      }
    }
    double p50 = median(figures, 0);
    double p99 = median(figures, 1);
    out.printf("%-7s %,8.0f %6s %7s %4s | %7.1f %7s %7.1f %7s %7.1f | %8.1f %8.1f |%n", "median", median(figures, 5), "", "", "",
        p50, "", p99, "", median(figures, 2), median(figures, 3), median(figures, 4));
    out.printf("%-7s %8s %6s %7d %4s | %7.1f %7.1f %7.1f %7.1f %7.1f |%n", "pooled", "", "", pooled.getTotalCount(), "",
        ms(pooled.getValueAtPercentile(50)), ms(pooled.getValueAtPercentile(90)), ms(pooled.getValueAtPercentile(99)),
        ms(pooled.getValueAtPercentile(99.9)), ms(pooled.getMaxValue()));
    out.println();
    out.println("sent/s: events sent per second in the run, probes included; behind: how far (ms) the generator fell behind its");
    out.println("  schedule at worst; t/o: probes not visible within the timeout (recorded at the timeout); poll: the poller's");
    out.println("  pipelined HGET round trip under load (the measurement's resolution is one poll period + one round trip);");
    out.println("  proc/brokr/redis/bench/other: cores busy (1.00 = one core; bench = this JVM: producer and poller; other = the");
    out.println("  rest of the machine, non-zero means something else ran); backlog: records not yet committed by the processor at");
    out.println("  the end of the run.");
    long anomalies = phases.stream().mapToLong(ph -> ph.anomalies.get()).sum();
    if (anomalies > 0) {
      out.printf("WARNING: %d probes read a count above the expected one%n", anomalies);
    }
    out.printf("idle HGET round trip (baseline): p50 %.3f ms, p99 %.3f ms%n", ms(hgetRtt.getValueAtPercentile(50)),
        ms(hgetRtt.getValueAtPercentile(99)));
    out.printf("freshness at %,d events/s: median p50 %.1f ms, median p99 %.1f ms (pooled p99 %.1f ms, max %.1f ms)"
        + " (target p99 <= %.0f ms) %s%n", o.rate, p50, p99, ms(pooled.getValueAtPercentile(99)), ms(pooled.getMaxValue()),
        targetP99Ms, p99 <= targetP99Ms ? "PASS" : "MISS");
    out.flush();
  }

  private static double median(List<double[]> rows, int column) {
    return BulkLoadBenchmark.median(rows.stream().mapToDouble(r -> r[column]).toArray());
  }
}
