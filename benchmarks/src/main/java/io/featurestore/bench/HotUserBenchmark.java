package io.featurestore.bench;

import static io.featurestore.bench.LiveLoad.FIELD;

import io.featurestore.bench.LiveLoad.Phase;
import io.featurestore.cli.Numbers;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One hot user among normal traffic; see docs/BENCHMARKS.md, "One very busy user (hot-user benchmark)". */
@Command(name = "hot-user", mixinStandardHelpOptions = true,
    description = "One user receiving N transactions alongside a steady load; prints PASS/MISS, exits 0 either way.")
public final class HotUserBenchmark implements Callable<Integer> {
  private static final String KEY_PREFIX = "bench:hot:";
  /** Give up waiting for a burst to be applied after this long. */
  private static final int BURST_TIMEOUT_SECONDS = 200;
  /** Targets (issue 8): the hot user's events/s over the normal events/s; the others' freshness p99 during the paced burst. */
  private static final double TARGET_RATIO = 0.5;
  private static final double TARGET_P99_MS = 500;

  @Mixin
  LiveLoad.LoadOptions o;
  @Option(names = "--hot-events", converter = Numbers.Positive.class,
      description = "Events per burst, N (default ${DEFAULT-VALUE}).")
  long hotEvents = 1_000_000;
  @Option(names = "--hot-rate-ratio",
      description = "Pace of the paced hot burst, a share of the normal events/s of the same run (default ${DEFAULT-VALUE}).")
  double hotRateRatio = 0.5;
  @Option(names = "--hot-ts-spread-seconds",
      description = "A hot event's time is its send time minus a uniform random 0..this (default ${DEFAULT-VALUE}).")
  long spreadSeconds = 60;
  @Option(names = "--warmup-seconds",
      description = "Load before the first burst, then until less than 1 s of it is uncommitted (default ${DEFAULT-VALUE}).")
  long warmupSeconds = 30;
  @Option(names = "--settle-seconds", converter = Numbers.Positive.class,
      description = "Steady load only, after each burst (default ${DEFAULT-VALUE}).")
  long settleSeconds = 10;
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One burst: what was sent, and samples {time, value} of the committed offsets and (hot) of the user's count. */
  private static final class Burst {
    final Phase phase;
    final String hotUser;
    final double pace;
    volatile long firstSend;
    volatile long lastSend;
    volatile boolean sent;
    long committedAtStart;
    /** Committed offsets when the burst was applied (the processor caught up again). */
    long committedAtEnd = -1;
    long finalCount = -1;
    final List<long[]> committed = new ArrayList<>();
    final List<long[]> count = new ArrayList<>();

    Burst(Phase phase, String hotUser, double pace) {
      this.phase = phase;
      this.hotUser = hotUser;
      this.pace = pace;
    }

    /** Events/s between 10 % and 90 % of the way from {@code from} to {@code to}; NaN if not reached. */
    static double rate(List<long[]> samples, long from, long to) {
      long t10 = at(samples, from + (to - from) / 10);
      long t90 = at(samples, from + (to - from) * 9 / 10);
      return t10 < 0 || t90 <= t10 ? Double.NaN : (to - from) * 0.8 / ((t90 - t10) / 1e9);
    }

    /** Seconds from the first send until the samples reached {@code value}; NaN if never. */
    double secondsTo(List<long[]> samples, long value) {
      long t = at(samples, value);
      return t < 0 ? Double.NaN : (t - firstSend) / 1e9;
    }

    private static long at(List<long[]> samples, long value) {
      return samples.stream().filter(s -> s[1] >= value).mapToLong(s -> s[0]).findFirst().orElse(-1);
    }

    double totalRate() {
      return rate(committed, committedAtStart, committedAtEnd);
    }

    double sendSeconds() {
      return (lastSend - firstSend) / 1e9;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (hotRateRatio <= 0 || spreadSeconds < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--hot-rate-ratio must be > 0, --hot-ts-spread-seconds >= 0");
    }
    if (spreadSeconds + BURST_TIMEOUT_SECONDS + settleSeconds + o.probeTimeoutSeconds > 290) {
      // Every hot event, and every probe of a phase, must still be inside the 5-minute window when its count is read.
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--hot-ts-spread-seconds + --settle-seconds + --probe-timeout-seconds must be <= " + (290 - BURST_TIMEOUT_SECONDS));
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Phase> phases = new ArrayList<>();
    List<Burst[]> results = new ArrayList<>();
    List<String> totals = new ArrayList<>();
    for (int r = 1; r <= o.runs.runs; r++) {
      // A fresh broker, Redis and processor per run: otherwise the events of one run's bursts leave their windows
      // (each leaving bucket is an evaluation and a Redis write) during the next run's bursts.
      try (LiveLoad.Rig rig = new LiveLoad.Rig(o, KEY_PREFIX, "hot-user", spec.commandLine().getErr());
           EventSender sender = new EventSender(rig.stream.bootstrapServers, "bench-burst")) {
        if (r == 1) {
          printHeader(out, rig);
        }
        LiveLoad load = new LiveLoad(rig, o.runs.seed, phases);
        Phase warmup = load.start(r + " warm-up");
        load.runUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds));
        // A cold processor, broker and producer share the cores: the bursts should not start on a backlog.
        if (!load.within("the processor to catch up with the load", 180, 100, () -> {
          long lag = rig.stream.lag();
          return lag >= 0 && lag <= o.rate;
        })) {
          spec.commandLine().getErr().printf("warning: run %d: still more than 1 s of the load behind after 180 s%n", r);
        }
        // Hot first (its user's events leave their window at ~1 bucket per 100 ms, a negligible cost), then
        // the normal burst, whose events leave only after the run (>= 5 min later), then the paced one.
        Burst hot = burst(rig, load, sender, r + " hot", "hot-r" + r + "-a", 0);
        Burst normal = burst(rig, load, sender, r + " normal", null, 0);
        if (!(normal.totalRate() > 0)) {
          throw new IllegalStateException("run " + r + ": the normal burst gave no events/s; cannot pace the hot user");
        }
        Burst paced = burst(rig, load, sender, r + " paced", "hot-r" + r + "-b", hotRateRatio * normal.totalRate());
        load.stop();
        results.add(new Burst[] {normal, hot, paced});
        PrometheusText m = rig.stream.metrics(0);
        totals.add(String.format("run %d: %.0f events, %.0f late, %.0f dead letters, %.0f Redis writes rejected", r,
            m.sum("fs_processor_events_total"), m.sum("fs_processor_late_events_total"),
            m.sum("fs_processor_dead_letters_total"), m.sum("fs_processor_sink_rejected_total")));
        out.printf("run %d done: warm-up %.1f s; hot %,.0f events/s, normal %,.0f events/s, paced at %,.0f: freshness p99"
            + " %.1f ms%n", r, warmup.seconds(), Burst.rate(hot.count, 0, hotEvents), normal.totalRate(), paced.pace,
            Stats.ms(paced.phase.latencyMicros, 99));
        out.flush();
        rig.stream.processor.requireAlive();
        rig.succeeded();
      }
    }
    report(out, phases, results, totals);
    return 0;
  }

  private void printHeader(PrintWriter out, LiveLoad.Rig rig) {
    rig.header(out, true);
    out.printf("load      : %,d events/s paced over %,d users with probes (mean gap %d ms, %d probe users per phase), all the"
        + " time; per run a fresh broker, Redis and processor, warm-up >= %d s and until less than 1 s of load is behind%n",
        o.rate, o.events.users, o.probeIntervalMs, o.probeUsers, warmupSeconds);
    out.printf("bursts    : per run, %,d events each from a second producer, each until applied, then %d s of the load alone:"
        + " hot (one user's transactions, unpaced), normal (over the load's users, unpaced), paced (another user's, at %.2f x"
        + " the run's normal events/s); hot event times = send time - uniform 0..%d s%n%n", hotEvents, settleSeconds,
        hotRateRatio, spreadSeconds);
    out.flush();
  }

  /** Sends one burst, waits until it is applied (all committed; the hot user's count at N), then settles. */
  private Burst burst(LiveLoad.Rig rig, LiveLoad load, EventSender sender, String name, String hotUser, double pace)
      throws Exception {
    Phase phase = hotUser == null ? load.next(name) : load.next(name, o.partitionOf(hotUser));
    Burst b = new Burst(phase, hotUser, pace);
    b.committedAtStart = rig.stream.committed();
    long salt = phase.id + 1;
    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(sender, b, salt),
        task -> new Thread(task, "burst-sender").start());
    String key = rig.registry.keyOf(hotUser == null ? "nobody" : hotUser);
    long[] polls = {0};
    // The hot user's count every 10 ms, the committed offsets every 50 ms.
    boolean applied = load.within("burst '" + name + "' applied", BURST_TIMEOUT_SECONDS, 10, () -> {
      if (sending.isCompletedExceptionally()) {
        return true;
      }
      if (hotUser != null) {
        b.count.add(new long[] {System.nanoTime(), count(rig, key)});
      }
      if (polls[0]++ % 5 != 0) {
        return false;
      }
      long c = rig.stream.committed();
      b.committed.add(new long[] {System.nanoTime(), c});
      b.committedAtEnd = c;
      // Applied: everything sent, the hot count at N, and the processor back to less than 1 s of the load behind.
      boolean counted = hotUser == null || b.count.get(b.count.size() - 1)[1] >= hotEvents;
      return b.sent && counted && rig.stream.endOffsets() - c <= o.rate;
    });
    if (!applied && !sending.isCompletedExceptionally()) {
      spec.commandLine().getErr().printf("warning: burst '%s' not applied within %d s%n", name, BURST_TIMEOUT_SECONDS);
    }
    sending.join(); // rethrows a failed send
    load.next(name + " settle");
    load.runUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds));
    if (hotUser != null) {
      b.finalCount = count(rig, key);
    }
    return b;
  }

  private static long count(LiveLoad.Rig rig, String key) {
    String v = rig.redis.client().hget(key, FIELD);
    return v == null ? 0 : Long.parseLong(v);
  }

  /** The burst's events: over the load's users, or the hot user's transactions; paced at {@code b.pace} if > 0. */
  private void send(EventSender sender, Burst b, long salt) {
    SyntheticEvents events = o.events.generator(o.runs.seed * 31 + salt, false);
    SplittableRandom spread = new SplittableRandom(o.runs.seed ^ salt);
    long spreadMs = TimeUnit.SECONDS.toMillis(spreadSeconds);
    b.firstSend = System.nanoTime();
    for (long n = 0; n < hotEvents && sender.error() == null; n++) {
      if (b.pace > 0) {
        LockSupport.parkNanos(b.firstSend + (long) (n * 1e9 / b.pace) - System.nanoTime());
      }
      long now = System.currentTimeMillis();
      sender.send(b.hotUser == null ? events.next(now)
          : events.transaction(b.hotUser, now - (spreadMs == 0 ? 0 : spread.nextLong(spreadMs + 1)), "US"));
    }
    sender.flush();
    b.lastSend = System.nanoTime();
    sender.requireNoError("a burst send");
    b.sent = true;
  }

  private void report(PrintWriter out, List<Phase> phases, List<Burst[]> results, List<String> totals) {
    out.println();
    LiveLoad.printPhases(out, phases, phase -> false);
    out.println();
    out.println("bursts (columns of both tables: docs/BENCHMARKS.md, \"One very busy user\", \"The printed tables\")");
    Table bursts = new Table("run:6", "normal send s:2", "normal/s:0", "normal all s:2", "hot part:0", "hot send s:2",
        "hot/s:0", "hot total/s:0", "hot to N s:2", "ratio:3", "hot count:0", "pace/s:0", "paced hot/s:0", "paced to N s:2",
        "p50 ms:1", "p99 ms:1", "same p99:1");
    bursts.header(out);
    List<double[]> rows = new ArrayList<>();
    boolean exact = true;
    for (int i = 0; i < results.size(); i++) {
      Burst normal = results.get(i)[0];
      Burst hot = results.get(i)[1];
      Burst paced = results.get(i)[2];
      double hotRate = Burst.rate(hot.count, 0, hotEvents);
      exact &= hot.finalCount == hotEvents && paced.finalCount == hotEvents;
      double[] row = {normal.sendSeconds(), normal.totalRate(), normal.secondsTo(normal.committed, normal.committedAtEnd),
          hot.phase.hotPartition, hot.sendSeconds(), hotRate, hot.totalRate(), hot.secondsTo(hot.count, hotEvents),
          hotRate / normal.totalRate(), hot.finalCount, paced.pace, Burst.rate(paced.count, 0, hotEvents),
          paced.secondsTo(paced.count, hotEvents), Stats.ms(paced.phase.latencyMicros, 50),
          Stats.ms(paced.phase.latencyMicros, 99), Stats.ms(paced.phase.samePartitionMicros, 99)};
      bursts.row(out, Integer.toString(i + 1), row);
      if (paced.finalCount != hotEvents) {
        out.printf("       paced user's count %,d, expected %,d%n", paced.finalCount, hotEvents);
      }
      rows.add(row);
    }
    bursts.medians(out, rows);
    totals.forEach(t -> out.println("processor totals, " + t));
    double[] med = Stats.medians(rows);
    out.println();
    out.printf("normal events/s (baseline, median): %,.0f%n", med[1]);
    out.printf("hot user events/s (median): %,.0f; ratio to normal (median of runs) %.3f (target >= %.2f) %s%n", med[5], med[8],
        TARGET_RATIO, Stats.verdict(med[8] >= TARGET_RATIO));
    out.printf("others' freshness while a hot user gets %,.0f events/s (paced at %,.0f): median p50 %.1f ms, p99 %.1f ms"
        + " (its partition: p99 %.1f ms) (target p99 <= %.0f ms) %s%n", med[11], med[10], med[13], med[14], med[15],
        TARGET_P99_MS, Stats.verdict(med[14] <= TARGET_P99_MS));
    out.printf("hot users' final counts: %s%n", exact ? "exact (" + hotEvents + " each)" : "NOT EXACT (see above)");
    out.flush();
  }
}
