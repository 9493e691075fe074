package io.featurestore.bench;

import io.featurestore.cli.Numbers;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.TransactionEvent;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * The steady load with freshness probes of the freshness and hot-user benchmarks (docs/BENCHMARKS.md,
 * "Freshness"): a generator paced every millisecond, and a poller that records, per {@link Phase},
 * producer send -> new value read. The caller moves the load from phase to phase ({@link #next}).
 */
final class LiveLoad {
  static final String FIELD = "tx_count_5m";
  private static final int TIMED_OUT = 2;

  /** Options of the load and its probes, with those of Redis, the broker and the processor (a picocli mixin). */
  static final class LoadOptions {
    @Mixin
    Options.Redis redis;
    @Mixin
    Options.Stream stream;
    @Mixin
    Options.Events events;
    @Mixin
    Options.Runs runs = new Options.Runs(11);
    @Option(names = "--rate", converter = Numbers.Positive.class,
        description = "Events per second of the steady load, probes included (default ${DEFAULT-VALUE}).")
    long rate = 5000;
    @Option(names = "--probe-interval-ms", converter = Numbers.Positive.class,
        description = "Mean gap between probes, exponentially distributed (default ${DEFAULT-VALUE}).")
    long probeIntervalMs = 20;
    @Option(names = "--probe-users", converter = Numbers.Positive.class,
        description = "Probe users per phase, each with at most one probe in flight (default ${DEFAULT-VALUE}).")
    long probeUsers = 64;
    @Option(names = "--poll-interval-us", converter = Numbers.Positive.class,
        description = "Poll period of the probe users' field, microseconds (default ${DEFAULT-VALUE}).")
    long pollIntervalMicros = 1000;
    @Option(names = "--probe-timeout-seconds", converter = Numbers.Positive.class,
        description = "A probe not seen after this long is a timeout, recorded at this value (default ${DEFAULT-VALUE}).")
    long probeTimeoutSeconds = 10;

    /** The partition Kafka's default partitioner picks for a record keyed {@code key}. */
    int partitionOf(String key) {
      return (int) (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % stream.partitions);
    }
  }

  /**
   * Redis (its own unless {@code --redis-url}), a fresh KRaft broker and the real processor
   * (each its own process), and the poller's connection. Closing stops them and removes the keys
   * under the prefix and the temporary folder (logs kept on failure or {@code --keep-logs}).
   */
  static final class Rig implements AutoCloseable {
    final LoadOptions options;
    final FeatureRegistry registry;
    private final String keyPrefix;
    private final String name;
    private final PrintWriter err;
    private final Workspace workspace;
    BenchRedis redis;
    StreamRig stream;
    Jedis poll;

    Rig(LoadOptions options, String keyPrefix, String name, PrintWriter err) {
      this.options = options;
      this.keyPrefix = keyPrefix;
      this.name = name;
      this.err = err;
      this.workspace = new Workspace(name, options.stream.keepLogs, err);
      // The bundled registry with the merchant under bench:<name>-merchant: (bench:fresh: → bench:fresh-merchant:).
      String others = keyPrefix.substring(0, keyPrefix.length() - 1) + "-";
      Path registryFile = workspace.dir.resolve("registry.yaml");
      try {
        this.registry = BenchRedis.registryFile("bundled", registryFile, keyPrefix, others);
        redis = new BenchRedis(options.redis, err, keyPrefix, others);
        redis.reset();
        stream = new StreamRig(options.stream, workspace.dir, 0);
        poll = new Jedis(URI.create(redis.url));
        stream.startProcessor(redis.url, keyPrefix, registryFile, name, 1);
        stream.awaitRunning();
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    void succeeded() {
      workspace.succeeded();
    }

    /** CPU of the processor, the broker and redis-server (then this JVM and the rest, see {@link Machine.Cpu}). */
    Machine.Cpu cpu() {
      return Machine.Cpu.now(stream.processor::cpuSeconds, stream.broker::cpuSeconds, redis::cpuSeconds);
    }

    void header(PrintWriter out, boolean freshPerRun) {
      Machine.header(out, name);
      StreamRig.describe(out, redis, options.stream, keyPrefix, freshPerRun);
    }

    @Override
    public void close() {
      Workspace.closeAll(err, stream, poll, redis, workspace);
    }
  }

  /** One phase of the load: what its probes measured, and CPU and the processor's metrics at its start and end. */
  static final class Phase {
    final int id;
    final String name;
    /** Probes on this partition are also recorded apart from the others' (none when it is -1). */
    final int hotPartition;
    final Histogram latencyMicros = Stats.histogram(120);
    final Histogram samePartitionMicros = Stats.histogram(120);
    final Histogram otherPartitionMicros = Stats.histogram(120);
    final Histogram pollRttMicros = Stats.histogram(120);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong anomalies = new AtomicLong();
    volatile long maxBehindNanos;
    private Machine.Cpu cpu0;
    private Machine.Cpu cpu1;
    private PrometheusText metrics0;
    private PrometheusText metrics1;
    private long lagAtEnd;

    private Phase(int id, String name, int hotPartition) {
      this.id = id;
      this.name = name;
      this.hotPartition = hotPartition;
    }

    private void start(Rig rig) {
      cpu0 = rig.cpu();
      metrics0 = rig.stream.metrics(0);
    }

    private void end(Rig rig) {
      cpu1 = rig.cpu();
      metrics1 = rig.stream.metrics(0);
      lagAtEnd = rig.stream.lag();
    }

    double seconds() {
      return cpu0.seconds(cpu1);
    }

    /** How much a counter of the processor's metrics grew over the phase. */
    double delta(String metric) {
      return metrics1.sum(metric) - metrics0.sum(metric);
    }

    /** A quantile of the processor's fs_processor_end_to_end_lag over the phase, in ms. */
    double processorLagMs(double q) {
      return PrometheusText.quantile("fs_processor_end_to_end_lag_seconds", metrics0, metrics1, q) * 1000;
    }

    double[] figures() {
      Histogram h = latencyMicros;
      double[] busy = cpu0.busy(cpu1);
      return new double[] {seconds(), sent.get() / seconds(), maxBehindNanos / 1e6, h.getTotalCount(), timeouts.get(),
          Stats.ms(h, 50), Stats.ms(h, 90), Stats.ms(h, 99), Stats.ms(h, 99.9), Stats.ms(h, 100),
          Stats.ms(samePartitionMicros, 99), Stats.ms(otherPartitionMicros, 99), processorLagMs(0.5), processorLagMs(0.99),
          Stats.ms(pollRttMicros, 50), Stats.ms(pollRttMicros, 99), busy[0], busy[1], busy[2], busy[3], busy[4], lagAtEnd,
          delta("fs_processor_events_total") / seconds(), delta("fs_processor_sink_flush_users_sum") / seconds()};
    }
  }

  /** Each phase's figures; its columns are explained in docs/BENCHMARKS.md, "Freshness". */
  static final Table TABLE = new Table("phase:16", "s:1", "sent/s:0", "behind:1", "probes:0", "t/o:0", "p50:1", "p90:1",
      "p99:1", "p99.9:1", "max:1", "same p99:1", "other p99:1", "lag p50:1", "lag p99:1", "poll p50:3", "poll p99:3",
      "proc:2", "brokr:2", "redis:2", "bench:2", "other:2", "backlog:0", "ev/s:0", "writes/s:0");

  /** Prints a row per phase, then the medians of the rows of the phases {@code measured} picks; returns those rows. */
  static List<double[]> printPhases(PrintWriter out, List<Phase> phases, Predicate<Phase> measured) {
    TABLE.header(out);
    List<double[]> rows = new ArrayList<>();
    for (Phase phase : phases) {
      double[] row = phase.figures();
      TABLE.row(out, phase.name, row);
      if (measured.test(phase)) {
        rows.add(row);
      }
    }
    TABLE.medians(out, rows);
    long anomalies = phases.stream().mapToLong(phase -> phase.anomalies.get()).sum();
    if (anomalies > 0) {
      out.printf("WARNING: %d probes read a count above the expected one%n", anomalies);
    }
    return rows;
  }

  /** One probe event in flight; {@code polledNanos[0]}: when the poller last read its user's field. */
  private record Probe(Phase phase, int slot, String key, int partition, long expected, long sentNanos, long[] polledNanos) {
    /** Every cycle for its first 100 ms, then once its age has grown by 2 %: resolution relative to its latency. */
    boolean due(long now) {
      long age = now - sentNanos;
      return age < 100_000_000L || now - polledNanos[0] >= age / 50;
    }
  }

  private final LoadOptions o;
  private final Rig rig;
  private final long seed;
  private final int probeUsers;
  private final List<Phase> phases;
  private final ConcurrentLinkedQueue<Probe> sentProbes = new ConcurrentLinkedQueue<>();
  private final AtomicLongArray slotBusy;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile Phase current;
  private volatile boolean stopRequested;
  /** Cleared by the generator when it stops; the poller then finishes the probes in flight. */
  private volatile boolean generating = true;
  private Thread generator;
  private Thread poller;

  LiveLoad(Rig rig, long seed, List<Phase> phases) {
    this.o = rig.options;
    this.rig = rig;
    this.seed = seed;
    this.phases = phases;
    this.probeUsers = Math.toIntExact(o.probeUsers);
    this.slotBusy = new AtomicLongArray(probeUsers);
  }

  /** Starts the generator and the poller 200 ms from now, and then a first phase, {@code name}. */
  Phase start(String name) {
    long startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    current = newPhase(name, -1);
    generator = new Thread(() -> run(() -> generate(startNanos)), "load-generator");
    poller = new Thread(() -> run(this::pollProbes), "probe-poller");
    for (Thread t : new Thread[] {generator, poller}) {
      t.setPriority(Thread.MAX_PRIORITY);
      t.start();
    }
    runUntil(startNanos);
    current.start(rig);
    return current;
  }

  /** Ends the current phase; from now on, events and probes count into a new one, {@code name}. */
  Phase next(String name) {
    return next(name, -1);
  }

  /** As {@link #next(String)}, with the new phase's probes on {@code hotPartition} also recorded apart. */
  Phase next(String name, int hotPartition) {
    Phase previous = current;
    current = newPhase(name, hotPartition);
    previous.end(rig);
    current.start(rig);
    return current;
  }

  private Phase newPhase(String name, int hotPartition) {
    Phase phase = new Phase(phases.size(), name, hotPartition);
    phases.add(phase);
    return phase;
  }

  private void run(Runnable body) {
    try {
      body.run();
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  /** Ends the current phase, stops the load, waits for the probes in flight, and fails if the generator or poller did. */
  void stop() throws InterruptedException {
    current.end(rig);
    stopRequested = true;
    generator.join(TimeUnit.SECONDS.toMillis(30));
    poller.join(TimeUnit.SECONDS.toMillis(o.probeTimeoutSeconds + 30L));
    requireHealthy();
  }

  void requireHealthy() {
    if (failure.get() != null) {
      throw new IllegalStateException("the load failed: " + failure.get(), failure.get());
    }
  }

  /** Keeps the load running until {@code deadline} (nanoTime); fails as soon as the load or the processor does. */
  void runUntil(long deadline) {
    await("the load to run its course", Duration.ofNanos(Math.max(0, deadline - System.nanoTime())).plusSeconds(30),
        Duration.ofMillis(10), () -> System.nanoTime() >= deadline);
  }

  /** Waits, the load running, until {@code condition} holds (polled every {@code poll}); fails once the load or processor does. */
  void await(String what, Duration timeout, Duration poll, BooleanSupplier condition) {
    rig.stream.processor.await(what, timeout, poll, () -> failure.get() != null || condition.getAsBoolean());
    requireHealthy();
  }

  /** As {@link #await}, but false instead of failing when {@code condition} does not hold within {@code seconds}. */
  boolean within(String what, int seconds, int pollMs, BooleanSupplier condition) {
    try {
      await(what, Duration.ofSeconds(seconds), Duration.ofMillis(pollMs), condition);
      return true;
    } catch (IllegalStateException e) {
      requireHealthy();
      rig.stream.processor.requireAlive();
      return false;
    }
  }

  private void generate(long start) {
    SyntheticEvents load = o.events.generator(seed, false);
    long[] probeCount = new long[probeUsers];
    Phase probePhase = null;
    int nextSlot = 0;
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(1);
    long probeEvery = TimeUnit.MILLISECONDS.toNanos(o.probeIntervalMs);
    SplittableRandom probeTiming = new SplittableRandom(seed ^ 0x5DEECE66DL);
    try (EventSender sender = new EventSender(rig.stream.bootstrapServers, "bench-live-load")) {
      LockSupport.parkNanos(start - System.nanoTime());
      long sent = 0;
      long nextProbe = start;
      for (long tick = 0; !stopRequested; tick++) {
        long now = System.nanoTime();
        Phase phase = current;
        if (phase != probePhase) {
          probePhase = phase;
          Arrays.fill(probeCount, 0);
          for (int s = 0; s < probeUsers; s++) {
            slotBusy.compareAndSet(s, TIMED_OUT, 0); // a new phase has new probe users
          }
        }
        long due = (now - start) * o.rate / 1_000_000_000L;
        phase.maxBehindNanos = Math.max(phase.maxBehindNanos, (due - sent) * 1_000_000_000L / o.rate);
        for (; sent < due; sent++) {
          phase.sent.incrementAndGet();
          int slot = -1;
          if (System.nanoTime() >= nextProbe) {
            // Poisson arrivals (exponential gaps, mean --probe-interval-ms): probes sample every phase of
            // the processor's flush cycle, not a few fixed ones (a 20 ms grid against a 100 ms flush would).
            long gap = (long) (-Math.log(1 - probeTiming.nextDouble()) * probeEvery);
            nextProbe += Math.max(TimeUnit.MICROSECONDS.toNanos(100), gap);
            for (int k = 0; k < probeUsers && slot < 0; k++) {
              slot = slotBusy.get((nextSlot + k) % probeUsers) == 0 ? (nextSlot + k) % probeUsers : -1;
            }
          }
          if (slot < 0) {
            sender.send(load.next(System.currentTimeMillis()));
            continue;
          }
          nextSlot = (slot + 1) % probeUsers;
          String user = "probe-r" + phase.id + "-" + slot;
          long expected = ++probeCount[slot];
          TransactionEvent probe = load.transaction(user, System.currentTimeMillis(), "US");
          slotBusy.set(slot, 1);
          long sentNanos = System.nanoTime();
          sender.send(probe);
          sentProbes.add(new Probe(phase, slot, rig.registry.keyOf(user), o.partitionOf(user), expected, sentNanos, new long[1]));
        }
        sender.requireNoError("a send");
        long wait = start + (tick + 1) * tickNanos - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        } else {
          tick = (System.nanoTime() - start) / tickNanos;
        }
      }
      sender.flush();
    } finally {
      generating = false;
    }
  }

  private void pollProbes() {
    List<Probe> inFlight = new ArrayList<>();
    long interval = TimeUnit.MICROSECONDS.toNanos(o.pollIntervalMicros);
    long timeout = TimeUnit.SECONDS.toNanos(o.probeTimeoutSeconds);
    long next = System.nanoTime();
    List<Response<String>> replies = new ArrayList<>();
    List<Probe> polled = new ArrayList<>();
    while (generating || !inFlight.isEmpty() || !sentProbes.isEmpty()) {
      for (Probe p; (p = sentProbes.poll()) != null; ) {
        inFlight.add(p);
      }
      long t1 = System.nanoTime();
      polled.clear();
      inFlight.stream().filter(p -> p.due(t1)).forEach(polled::add);
      if (!polled.isEmpty()) {
        replies.clear();
        Phase now = current;
        Pipeline pipeline = rig.poll.pipelined();
        polled.forEach(p -> replies.add(pipeline.hget(p.key(), FIELD)));
        pipeline.sync();
        long t2 = System.nanoTime();
        if (generating) {
          Stats.record(now.pollRttMicros, (t2 - t1) / 1000);
        }
        for (int i = 0; i < polled.size(); i++) {
          Probe p = polled.get(i);
          p.polledNanos()[0] = t2;
          String value = replies.get(i).get();
          long seen = value == null ? 0 : Long.parseLong(value);
          if (seen >= p.expected()) {
            record(p, (t2 - p.sentNanos()) / 1000);
            if (seen > p.expected()) {
              p.phase().anomalies.incrementAndGet();
            }
            slotBusy.set(p.slot(), 0);
            inFlight.remove(p);
          } else if (t2 - p.sentNanos() > timeout) {
            record(p, timeout / 1000);
            p.phase().timeouts.incrementAndGet();
            // Its count is now unknown: the slot takes no further probes until the next phase.
            slotBusy.set(p.slot(), TIMED_OUT);
            inFlight.remove(p);
          }
        }
      }
      next += interval;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  private static void record(Probe p, long micros) {
    Phase phase = p.phase();
    Stats.record(phase.latencyMicros, micros);
    if (phase.hotPartition >= 0) {
      Stats.record(p.partition() == phase.hotPartition ? phase.samePartitionMicros : phase.otherPartitionMicros, micros);
    }
  }
}
