package io.featurestore.bench;

import static io.featurestore.bench.BulkLoadBenchmark.cpuModel;
import static io.featurestore.bench.BulkLoadBenchmark.loadAverage;
import static io.featurestore.bench.BulkLoadBenchmark.median;
import static io.featurestore.bench.LiveLoad.FIELD;
import static io.featurestore.bench.LiveLoad.ms;

import io.featurestore.bench.LiveLoad.Phase;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One hot user among normal traffic. Each run starts a fresh broker, Redis and processor and
 * runs the steady load of {@link LiveLoad} (with its freshness probes) all the time; after a
 * warm-up it sends three bursts of N events from a second producer, each applied (the
 * processor back to less than 1 s behind) and followed by a short settle:
 * <ol>
 *   <li><b>hot</b>: N transactions for one user, as fast as the producer sends, event times
 *       spread over the last {@code --hot-ts-spread-seconds}: the hot user's events/s counted
 *       into its {@code tx_count_5m} (polled in Redis, 10–90 %);</li>
 *   <li><b>normal</b>: N events over the load's users, as fast as the producer sends: the
 *       processor's events/s on normal traffic (committed offsets, 10–90 %), the baseline;</li>
 *   <li><b>paced</b>: N transactions for another hot user, paced at {@code --hot-rate-ratio} ×
 *       the baseline: the other users' freshness while a user that busy is being served.</li>
 * </ol>
 * After each hot burst the user's count must read exactly N.
 */
@Command(name = "hot-user", mixinStandardHelpOptions = true,
    description = {"One user receiving N transactions within minutes, alongside a steady load for many users.",
        "Starts a KRaft broker and the stream processor (java -jar stream-processor.jar), each its own process, runs the",
        "freshness benchmark's load and probes, and per run (fresh broker, Redis, processor) sends N events for one hot",
        "user as fast as possible (its counted events/s), N normal events (the baseline events/s), and N for another hot",
        "user paced at a share of the baseline (the others' freshness). Checks each hot count is exact. Prints PASS/MISS;",
        "exits 0 either way."})
public final class HotUserBenchmark implements Callable<Integer> {
  @Mixin
  LiveLoad.Options o;

  @Option(names = "--hot-events", defaultValue = "1000000", description = "Events per burst, N (default ${DEFAULT-VALUE}).")
  int hotEvents;

  @Option(names = "--hot-rate-ratio", defaultValue = "0.5",
      description = "Pace of the paced hot burst, as a share of the normal events/s measured in the same run (default ${DEFAULT-VALUE}).")
  double hotRateRatio;

  @Option(names = "--hot-ts-spread-seconds", defaultValue = "60",
      description = "A hot event's time is its send time minus a uniform random 0..this (default ${DEFAULT-VALUE}).")
  int spreadSeconds;

  @Option(names = "--runs", defaultValue = "3", description = "Runs (three bursts each); medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup-seconds", defaultValue = "30",
      description = "Steady load before the first run, then until less than 1 s of it waits uncommitted (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--settle-seconds", defaultValue = "10", description = "Steady load only, after each burst (default ${DEFAULT-VALUE}).")
  int settleSeconds;

  @Option(names = "--burst-timeout-seconds", defaultValue = "200",
      description = "Give up waiting for a burst to be applied after this long (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--key-prefix", defaultValue = "bench:hot:", description = "Prefix of the processor's keys (default ${DEFAULT-VALUE}).")
  String keyPrefix;

  @Option(names = "--target-ratio", defaultValue = "0.5", description = "Target: hot user's events/s over the normal events/s (default ${DEFAULT-VALUE}).")
  double targetRatio;

  @Option(names = "--target-p99-ms", defaultValue = "500", description = "Target: other users' freshness p99 during the paced burst (default ${DEFAULT-VALUE}).")
  double targetP99Ms;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One burst: what was sent, and samples of the committed offsets and (hot) of the user's count. */
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

    /** Events/s between 10 % and 90 % of the way from the first to the last sample's value; NaN if not reached. */
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
      for (long[] s : samples) {
        if (s[1] >= value) {
          return s[0];
        }
      }
      return -1;
    }

    double totalRate() {
      return rate(committed, committedAtStart, committedAtEnd);
    }

    double hotRate(long n) {
      return rate(count, 0, n);
    }

    double sendSeconds() {
      return (lastSend - firstSend) / 1e9;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!o.valid() || hotEvents < 10 || runs < 1 || warmupSeconds < 0 || settleSeconds < 1 || hotRateRatio <= 0
        || spreadSeconds < 0 || timeoutSeconds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "every count, rate and duration must be >= 1");
    }
    if (spreadSeconds + timeoutSeconds + settleSeconds + o.probeTimeoutSeconds > 290) {
      // Every hot event, and every probe of a phase, must still be inside the 5-minute window when its count is read.
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--hot-ts-spread-seconds + --burst-timeout-seconds + --settle-seconds + --probe-timeout-seconds must be <= 290");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Phase> phases = new ArrayList<>();
    List<Burst[]> results = new ArrayList<>();
    List<String> totals = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      // A fresh broker, Redis and processor per run: otherwise the events of one run's bursts leave their windows
      // (each leaving bucket is an evaluation and a Redis write) during the next run's bursts.
      try (LiveLoad.Rig rig = new LiveLoad.Rig(o, keyPrefix, "hot-user", spec.commandLine().getErr());
           KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
               SyntheticEvents.producerProperties(rig.broker.bootstrapServers(), "bench-burst"))) {
        if (r == 1) {
          printHeader(out, rig);
        }
        LiveLoad load = new LiveLoad(rig);
        Phase warmup = new Phase(phases.size(), r + " warm-up");
        phases.add(warmup);
        long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        load.start(warmup, at);
        load.sleepUntil(at, rig.processor);
        warmup.snapshot(rig, true);
        load.sleepUntil(at + TimeUnit.SECONDS.toNanos(warmupSeconds), rig.processor);
        // A cold processor, broker and producer share the cores: the bursts must not start on a backlog.
        awaitCaughtUp(rig, load, System.nanoTime() + TimeUnit.SECONDS.toNanos(180));
        warmup.snapshot(rig, false);
        // Hot first (its user's events leave their window at ~1 bucket per 100 ms, a negligible cost), then
        // the normal burst, whose events leave only after the run (>= 5 min later), then the paced one.
        Burst hot = burst(rig, load, producer, phases, r + " hot", "hot-r" + r + "-a", 0);
        Burst normal = burst(rig, load, producer, phases, r + " normal", null, 0);
        if (!(normal.totalRate() > 0)) {
          throw new IllegalStateException("run " + r + ": the normal burst gave no events/s; cannot pace the hot user");
        }
        Burst paced = burst(rig, load, producer, phases, r + " paced", "hot-r" + r + "-b", hotRateRatio * normal.totalRate());
        load.stop();
        results.add(new Burst[] {normal, hot, paced});
        PrometheusText m = rig.processor.metrics();
        totals.add(String.format("run %d: %.0f events, %.0f late, %.0f dead letters, %.0f Redis writes rejected", r,
            m.sum("fs_processor_events_total"), m.sum("fs_processor_late_events_total"),
            m.sum("fs_processor_dead_letters_total"), m.sum("fs_processor_sink_rejected_total")));
        out.printf("run %d done: warm-up %.1f s; hot %,.0f events/s, normal %,.0f events/s, paced at %,.0f: freshness p99"
            + " %.1f ms%n", r, warmup.seconds(), hot.hotRate(hotEvents), normal.totalRate(), paced.pace,
            ms(paced.phase.latencyMicros.getValueAtPercentile(99)));
        out.flush();
        rig.processor.requireAlive();
        rig.succeeded();
      }
    }
    report(out, phases, results, totals);
    return 0;
  }

  /** Waits until less than one second of the steady load is uncommitted, or {@code deadline}; returns that committed offset sum. */
  private long awaitCaughtUp(LiveLoad.Rig rig, LiveLoad load, long deadline) throws Exception {
    while (true) {
      long committed = rig.committed();
      if (rig.endOffsets() - committed <= o.rate || System.nanoTime() > deadline) {
        return committed;
      }
      load.sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100), rig.processor);
    }
  }

  private void printHeader(PrintWriter out, LiveLoad.Rig rig) {
    out.printf("hot-user benchmark, %s%n", LocalDate.now());
    out.printf("machine   : %d cores (nproc), %s, Java %s, load average %s%n", Runtime.getRuntime().availableProcessors(),
        cpuModel(), System.getProperty("java.version"), loadAverage());
    out.printf("redis     : %s at %s%n", rig.redisInfo("redis_version"), rig.url);
    out.printf("kafka     : single-node KRaft broker, own process (KafkaBrokerMain), %d partitions per topic%n", o.partitions);
    out.printf("processor : java %s-jar %s, own process, prefix %s%s%n", o.processorJavaOpts.isBlank() ? "" : o.processorJavaOpts + " ",
        rig.jar, keyPrefix, rig.overrides.isEmpty() ? " (its default settings)" : ", " + rig.overrides);
    out.printf("load      : %,d events/s paced over %,d users with probes (mean gap %d ms, %d probe users per phase), all the"
        + " time; per run a fresh broker, Redis and processor, warm-up >= %d s and until less than 1 s of load is behind%n",
        o.rate, o.users, o.probeIntervalMs, o.probeUsers, warmupSeconds);
    out.printf("bursts    : per run, %,d events each from a second producer, each until applied, then %d s of the load alone:"
        + " hot (one user's transactions, unpaced), normal (over the load's users, unpaced), paced (another user's, at %.2f x"
        + " the run's normal events/s); hot event times = send time - uniform 0..%d s%n", hotEvents, settleSeconds,
        hotRateRatio, spreadSeconds);
    out.println();
    out.flush();
  }

  /** Sends one burst, waits until it is applied (all committed; the hot user's count at N), then settles. */
  private Burst burst(LiveLoad.Rig rig, LiveLoad load, KafkaProducer<byte[], byte[]> producer, List<Phase> phases,
      String name, String hotUser, double pace) throws Exception {
    Phase phase = new Phase(phases.size(), name);
    phases.add(phase);
    Burst b = new Burst(phase, hotUser, pace);
    if (hotUser != null) {
      phase.hotPartition = o.partitionOf(hotUser);
    }
    load.switchTo(phase);
    phase.snapshot(rig, true);
    b.committedAtStart = rig.committed();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long salt = phases.size();
    Thread sender = new Thread(() -> {
      try {
        send(producer, b, salt);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }, "burst-sender");
    sender.start();
    String key = rig.registry.keyOf(hotUser == null ? "nobody" : hotUser);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (int i = 0; ; i++) {
      long now = System.nanoTime();
      if (hotUser != null) {
        String v = rig.admin.hget(key, FIELD);
        b.count.add(new long[] {now, v == null ? 0 : Long.parseLong(v)});
      }
      if (i % 5 == 0) {
        long c = rig.committed();
        b.committed.add(new long[] {System.nanoTime(), c});
        boolean countDone = hotUser == null || b.count.get(b.count.size() - 1)[1] >= hotEvents;
        // Applied: everything sent, the hot count at N, and the processor back to less than 1 s of the steady load behind.
        if (b.sent && countDone && rig.endOffsets() - c <= o.rate) {
          b.committedAtEnd = c;
          break;
        }
      }
      if (failure.get() != null) {
        throw new IllegalStateException("the burst failed: " + failure.get(), failure.get());
      }
      load.requireHealthy();
      rig.processor.requireAlive();
      if (now > deadline) {
        spec.commandLine().getErr().printf("warning: burst '%s' not applied within %d s%n", name, timeoutSeconds);
        b.committedAtEnd = b.committed.get(b.committed.size() - 1)[1];
        break;
      }
      Thread.sleep(10);
    }
    sender.join();
    phase.snapshot(rig, false);
    Phase settle = new Phase(phases.size(), name + " settle");
    phases.add(settle);
    load.switchTo(settle);
    settle.snapshot(rig, true);
    load.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds), rig.processor);
    settle.snapshot(rig, false);
    if (hotUser != null) {
      String v = rig.admin.hget(key, FIELD);
      b.finalCount = v == null ? 0 : Long.parseLong(v);
    }
    return b;
  }

  /** The burst's events: over the load's users, or the hot user's transactions; paced at {@code b.pace} if > 0. */
  private void send(KafkaProducer<byte[], byte[]> producer, Burst b, long salt) {
    EventJson json = new EventJson(io.featurestore.core.FeatureRegistry.bundled());
    SyntheticEvents events = new SyntheticEvents(o.seed * 31 + salt, o.users, o.txShare, o.failedLoginShare, false);
    SplittableRandom spread = new SplittableRandom(o.seed ^ salt);
    long spreadMs = TimeUnit.SECONDS.toMillis(spreadSeconds);
    AtomicReference<Exception> error = new AtomicReference<>();
    b.firstSend = System.nanoTime();
    for (long n = 0; n < hotEvents && error.get() == null; n++) {
      if (b.pace > 0) {
        long wait = b.firstSend + (long) (n * 1e9 / b.pace) - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      long now = System.currentTimeMillis();
      Event event = b.hotUser == null ? events.next(now)
          : events.transaction(b.hotUser, now - (spreadMs == 0 ? 0 : spread.nextLong(spreadMs + 1)), "US");
      producer.send(new ProducerRecord<>(SyntheticEvents.topicOf(event), event.userId().getBytes(StandardCharsets.UTF_8),
          json.write(event)), (m, e) -> {
            if (e != null) {
              error.compareAndSet(null, e);
            }
          });
    }
    producer.flush();
    b.lastSend = System.nanoTime();
    if (error.get() != null) {
      throw new IllegalStateException("a burst send failed", error.get());
    }
    b.sent = true;
  }

  private void report(PrintWriter out, List<Phase> phases, List<Burst[]> results, List<String> totals) {
    out.println();
    out.println("phases (latency = probe producer send -> value visible in Redis, ms; same/other = probes on the hot user's"
        + " partition / the others; lag = the processor's fs_processor_end_to_end_lag)");
    out.printf("%-16s %6s %7s %6s %6s %4s | %7s %7s %8s | %5s %7s %8s | %8s | %7s %7s | %5s %5s %5s %5s %5s %7s | %8s %8s%n", "phase",
        "s", "load/s", "behind", "probes", "t/o", "p50", "p99", "max", "same", "p50", "p99", "other p99", "lag p50", "lag p99",
        "proc", "brokr", "redis", "bench", "other", "backlog", "ev/s", "writes/s");
    for (Phase ph : phases) {
      Histogram h = ph.latencyMicros;
      Histogram same = ph.samePartitionMicros;
      out.printf("%-16s %6.1f %,7.0f %6.1f %6d %4d | %7.1f %7.1f %8.1f | %5d %7.1f %8.1f | %8.1f | %7.1f %7.1f | %5.2f %5.2f"
          + " %5.2f %5.2f %5.2f %,7d | %,8.0f %,8.0f%n", ph.name, ph.seconds(), ph.sent.get() / ph.seconds(), ph.maxBehindNanos / 1e6,
          h.getTotalCount(), ph.timeouts.get(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
          ms(h.getMaxValue()), same.getTotalCount(), ms(same.getValueAtPercentile(50)), ms(same.getValueAtPercentile(99)),
          ms(ph.otherPartitionMicros.getValueAtPercentile(99)), ph.processorLagMs(0.5), ph.processorLagMs(0.99),
          ph.procBusy(), ph.brokerBusy(), ph.redisBusy(), ph.benchBusy(), ph.otherBusy(), ph.lagAtEnd,
          ph.delta("fs_processor_events_total") / ph.seconds(), ph.delta("fs_processor_sink_flush_users_sum") / ph.seconds());
    }
    out.println("(load/s: the steady load's events/s, probes included; behind: its producer's worst lag behind schedule, ms;"
        + " cores busy: 1.00 = one core, bench = this JVM, other = the rest of the machine; backlog: records not committed"
        + " at the phase's end; ev/s and writes/s: events the processor applied and users it wrote to Redis per second, from its metrics)");
    out.println();
    out.println("bursts (events/s between 10 % and 90 % of the burst applied: 'total' from the processor's committed offsets,"
        + " the steady load included; 'hot' from the hot user's tx_count_5m in Redis, polled every 10 ms)");
    out.printf("%-4s | %7s %9s %7s | %4s %7s %9s %9s %7s %6s %9s | %9s %9s %7s %9s %9s | %s%n", "run", "send s",
        "normal/s", "all s", "part", "send s", "hot/s", "total/s", "to N s", "ratio", "count", "pace/s", "hot/s", "to N s",
        "p99 ms", "same p99", "counts");
    List<double[]> rows = new ArrayList<>();
    boolean exact = true;
    for (int i = 0; i < results.size(); i++) {
      Burst normal = results.get(i)[0];
      Burst hot = results.get(i)[1];
      Burst paced = results.get(i)[2];
      double ratio = hot.hotRate(hotEvents) / normal.totalRate();
      boolean ok = hot.finalCount == hotEvents && paced.finalCount == hotEvents;
      exact &= ok;
      Histogram pacedLatency = paced.phase.latencyMicros;
      out.printf("%-4d | %7.2f %,9.0f %7.2f | %4d %7.2f %,9.0f %,9.0f %7.2f %6.3f %,9d | %,9.0f %,9.0f %7.2f %9.1f %9.1f | %s%n",
          i + 1, normal.sendSeconds(), normal.totalRate(), normal.secondsTo(normal.committed, normal.committedAtEnd),
          hot.phase.hotPartition, hot.sendSeconds(), hot.hotRate(hotEvents), hot.totalRate(),
          hot.secondsTo(hot.count, hotEvents), ratio, hot.finalCount, paced.pace, paced.hotRate(hotEvents),
          paced.secondsTo(paced.count, hotEvents), ms(pacedLatency.getValueAtPercentile(99)),
          ms(paced.phase.samePartitionMicros.getValueAtPercentile(99)),
          ok ? "exact" : "hot " + hot.finalCount + ", paced " + paced.finalCount + " (expected " + hotEvents + ")");
      rows.add(new double[] {normal.totalRate(), hot.hotRate(hotEvents), ratio, ms(pacedLatency.getValueAtPercentile(50)),
          ms(pacedLatency.getValueAtPercentile(99)), ms(paced.phase.samePartitionMicros.getValueAtPercentile(99)),
          paced.hotRate(hotEvents), paced.pace});
    }
    out.println("(normal: send s = the producer's time for the burst, all s = first send -> every offset committed; hot: part ="
        + " its partition, to N s = first send -> count N in Redis, ratio = hot/s over normal/s, count = tx_count_5m after"
        + " the settle; paced: the others' freshness during it, all probes and those on its partition)");
    ToDoubleFunction<Integer> med = c -> median(rows.stream().mapToDouble(r -> r[c]).toArray());
    totals.forEach(t -> out.println("processor totals, " + t));
    out.println();
    out.printf("normal events/s (baseline, median): %,.0f%n", med.applyAsDouble(0));
    out.printf("hot user events/s (median): %,.0f; ratio to normal (median of runs) %.3f (target >= %.2f) %s%n",
        med.applyAsDouble(1), med.applyAsDouble(2), targetRatio, med.applyAsDouble(2) >= targetRatio ? "PASS" : "MISS");
    out.printf("others' freshness while a hot user gets %,.0f events/s (paced at %,.0f): median p50 %.1f ms, p99 %.1f ms"
        + " (its partition: p99 %.1f ms) (target p99 <= %.0f ms) %s%n", med.applyAsDouble(6), med.applyAsDouble(7),
        med.applyAsDouble(3), med.applyAsDouble(4), med.applyAsDouble(5), targetP99Ms,
        med.applyAsDouble(4) <= targetP99Ms ? "PASS" : "MISS");
    out.printf("hot users' final counts: %s%n", exact ? "exact (" + hotEvents + " each)" : "NOT EXACT (see above)");
    long anomalies = phases.stream().mapToLong(ph -> ph.anomalies.get()).sum();
    if (anomalies > 0) {
      out.printf("WARNING: %d probes read a count above the expected one%n", anomalies);
    }
    out.flush();
  }
}
