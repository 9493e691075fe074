package io.featurestore.bench;

import static io.featurestore.bench.LiveLoad.FIELD;

import io.featurestore.bench.LiveLoad.Phase;
import io.featurestore.cli.Numbers;
import java.io.PrintWriter;
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

/** Event produced -> feature visible in Redis under a steady load; see docs/BENCHMARKS.md, "Freshness". */
@Command(name = "freshness", mixinStandardHelpOptions = true,
    description = "Event produced -> feature visible in Redis at a steady event rate; prints PASS/MISS, exits 0 either way.")
public final class FreshnessBenchmark implements Callable<Integer> {
  private static final String KEY_PREFIX = "bench:fresh:";
  private static final double TARGET_P99_MS = 500;

  @Mixin
  LiveLoad.LoadOptions o;
  @Option(names = "--duration-seconds", converter = Numbers.Positive.class,
      description = "Length of each measured run, back to back under the same load (default ${DEFAULT-VALUE}).")
  long durationSeconds = 60;
  @Option(names = "--warmup-seconds", description = "Load before the first run, not measured (default ${DEFAULT-VALUE}).")
  long warmupSeconds = 20;
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (durationSeconds + o.probeTimeoutSeconds > 240) {
      // A probe user's transactions must all stay inside the 5-minute window for its count to be known.
      throw new CommandLine.ParameterException(spec.commandLine(), "--duration-seconds + --probe-timeout-seconds must be <= 240");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (LiveLoad.Rig rig = new LiveLoad.Rig(o, KEY_PREFIX, "freshness", spec.commandLine().getErr())) {
      Histogram idle = hgetRoundTrips(rig.poll, rig.registry.keyOf("probe-baseline"), 20_000);
      rig.header(out, false);
      out.printf("load      : %,d events/s paced every 1 ms (the event simulator's producer settings) over %,d users;"
          + " warm-up %d s, then %d runs of %d s%n", o.rate, o.events.users, warmupSeconds, o.runs.runs, durationSeconds);
      out.printf("probes    : Poisson, mean gap %d ms (part of the rate), a transaction for one of %d probe users per run;"
          + " latency = producer send -> new %s value read by a poller (own connection, pipelined HGET every %d us)%n",
          o.probeIntervalMs, o.probeUsers, FIELD, o.pollIntervalMicros);
      out.printf("baseline  : HGET round trip on the poller's connection, idle, 20,000 sequential: p50 %.3f ms, p99 %.3f ms,"
          + " max %.3f ms%n%n", Stats.ms(idle, 50), Stats.ms(idle, 99), Stats.ms(idle, 100));
      out.flush();
      List<Phase> phases = new ArrayList<>();
      LiveLoad load = new LiveLoad(rig, o.runs.seed, phases);
      load.start("warm-up");
      long at = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
      for (int i = 1; i <= o.runs.runs; i++) {
        load.runUntil(at);
        load.next(Integer.toString(i));
        at += TimeUnit.SECONDS.toNanos(durationSeconds);
      }
      load.runUntil(at);
      load.stop();
      report(out, phases, idle);
      rig.stream.processor.requireAlive();
      rig.succeeded();
      return 0;
    }
  }

  /** The baseline: HGET round trips on the poller's connection, the second of two passes (a JIT-compiled client). */
  static Histogram hgetRoundTrips(Jedis redis, String key, int n) {
    redis.hset(key, FIELD, "0");
    Histogram h = Stats.histogram(10);
    for (int pass = 0; pass < 2; pass++) {
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

  private void report(PrintWriter out, List<Phase> phases, Histogram idle) {
    List<double[]> measured = LiveLoad.printPhases(out, phases, phase -> phase.id > 0);
    Histogram pooled = Stats.histogram(120);
    phases.stream().filter(phase -> phase.id > 0).forEach(phase -> pooled.add(phase.latencyMicros));
    LiveLoad.TABLE.row(out, "pooled", Double.NaN, Double.NaN, Double.NaN, pooled.getTotalCount(), Double.NaN,
        Stats.ms(pooled, 50), Stats.ms(pooled, 90), Stats.ms(pooled, 99), Stats.ms(pooled, 99.9), Stats.ms(pooled, 100));
    out.println("(columns: docs/BENCHMARKS.md, \"Freshness\", \"The printed tables\")");
    out.println();
    double p50 = Stats.median(measured, r -> r[5]);
    double p99 = Stats.median(measured, r -> r[7]);
    out.printf("idle HGET round trip (baseline): p50 %.3f ms, p99 %.3f ms%n", Stats.ms(idle, 50), Stats.ms(idle, 99));
    out.printf("freshness at %,d events/s: median p50 %.1f ms, median p99 %.1f ms (pooled p99 %.1f ms, max %.1f ms)"
        + " (target p99 <= %.0f ms) %s%n", o.rate, p50, p99, Stats.ms(pooled, 99), Stats.ms(pooled, 100), TARGET_P99_MS,
        Stats.verdict(p99 <= TARGET_P99_MS));
    out.flush();
  }
}
