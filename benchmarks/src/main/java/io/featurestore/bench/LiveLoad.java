package io.featurestore.bench;

import static io.featurestore.bench.BulkLoadBenchmark.machineCpuSeconds;
import static io.featurestore.bench.BulkLoadBenchmark.processCpuSeconds;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisServer;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * A steady event load with freshness probes against a running stream processor, shared by
 * the freshness and hot-user benchmarks. A generator thread sends {@code --rate} events/s
 * (paced every millisecond) over {@code --users} users; some of them are probes: a
 * transaction for a probe user that gets only probe transactions, so its k-th probe must make
 * {@code tx_count_5m} read k. A poller with its own Redis connection reads the probe users'
 * field every {@code --poll-interval-us} and records, per {@link Phase}, the time from just
 * before {@code send()} to the reply that shows the new value. The caller moves the load from
 * one phase to the next ({@link #switchTo}); probes are counted in the phase they were sent in.
 */
final class LiveLoad {
  static final String FIELD = "tx_count_5m";

  /** Options of the load, the processor and the infrastructure (a picocli mixin). */
  static final class Options {
    @Option(names = "--rate", defaultValue = "5000", description = "Events per second of the steady load, probes included (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--users", defaultValue = "100000", description = "Users of the steady load (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--tx-share", defaultValue = "0.6", description = "Share of transactions in the load (default ${DEFAULT-VALUE}).")
    double txShare;

    @Option(names = "--failed-login-share", defaultValue = "0.08", description = "Share of failed logins in the load (default ${DEFAULT-VALUE}).")
    double failedLoginShare;

    @Option(names = "--probe-interval-ms", defaultValue = "20",
        description = "Mean gap between probes, exponentially distributed (default ${DEFAULT-VALUE}: 50 probes/s).")
    int probeIntervalMs;

    @Option(names = "--probe-users", defaultValue = "64", description = "Probe users per phase; each has at most one probe in flight (default ${DEFAULT-VALUE}).")
    int probeUsers;

    @Option(names = "--poll-interval-us", defaultValue = "1000", description = "Poll period of the probe users' field (default ${DEFAULT-VALUE} us).")
    int pollIntervalMicros;

    @Option(names = "--probe-timeout-seconds", defaultValue = "10", description = "A probe not visible after this long counts as a timeout, recorded at this value (default ${DEFAULT-VALUE}).")
    int probeTimeoutSeconds;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of each topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--seed", defaultValue = "11", description = "Seed of the load (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--redis-url", paramLabel = "URL",
        description = "Redis to use; without it, a redis-server of its own is started on a free loopback port and stopped at the end.")
    String redisUrl;

    @Option(names = "--processor-jar", paramLabel = "JAR",
        description = "The stream processor jar (default: $FS_PROCESSOR_JAR, else " + ProcessorProcess.DEFAULT_JAR + " in this checkout).")
    Path processorJar;

    @Option(names = "--processor-java-opts", defaultValue = "", paramLabel = "OPTS", description = "JVM options of the processor process.")
    String processorJavaOpts;

    @Option(names = "--processor-env", paramLabel = "KEY=VALUE", description = "Extra processor setting, repeatable (default: its defaults).")
    List<String> processorEnv;

    @Option(names = "--broker-java-opts", defaultValue = "", paramLabel = "OPTS", description = "JVM options of the broker process.")
    String brokerJavaOpts;

    @Option(names = "--keep-logs", description = "Keep the broker and processor logs (their folder is printed).")
    boolean keepLogs;

    boolean valid() {
      return rate >= 1 && users >= 1 && probeIntervalMs >= 1 && probeUsers >= 1 && pollIntervalMicros >= 1
          && probeTimeoutSeconds >= 1 && partitions >= 1;
    }

    /** The partition Kafka's default partitioner picks for a record keyed {@code key}. */
    int partitionOf(String key) {
      return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
  }

  /**
   * Redis (its own unless {@code --redis-url}), a fresh KRaft broker and the real processor
   * (each its own process), with the connections the benchmarks use. Closing it stops them,
   * removes the keys under the prefix and the temporary folder (logs kept on failure or
   * {@code --keep-logs}).
   */
  static final class Rig implements AutoCloseable {
    final Options options;
    final Path temp;
    final String url;
    final FeatureRegistry registry;
    final Path jar;
    final Map<String, String> overrides;
    private final PrintWriter err;
    private RedisServer own;
    BrokerProcess broker;
    Admin kafka;
    Jedis admin;
    Jedis poll;
    ProcessorProcess processor;
    private boolean succeeded;

    Rig(Options options, String keyPrefix, String name, PrintWriter err) throws Exception {
      this.options = options;
      this.err = err;
      this.jar = ProcessorProcess.locateJar(options.processorJar);
      this.overrides = ProcessorProcess.parseOverrides(options.processorEnv);
      FeatureRegistry bundled = FeatureRegistry.bundled();
      this.registry = bundled.withOverrides(keyPrefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
      this.temp = Files.createTempDirectory("fs-bench-" + name + "-");
      String u = options.redisUrl;
      if (u == null) {
        own = RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next());
        u = own.url();
      }
      this.url = u;
      try {
        try (FeatureStore store = FeatureStore.connect(url, registry)) {
          store.admin().reset();
        }
        broker = BrokerProcess.start(ProcessorProcess.splitOptions(options.brokerJavaOpts), temp.resolve("kafka"),
            temp.resolve("broker.log"), options.partitions, Topics.ALL);
        kafka = Admin.create(BrokerProcess.adminProperties(broker.bootstrapServers()));
        admin = new Jedis(URI.create(url));
        poll = new Jedis(URI.create(url));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("REDIS_URL", url);
        env.put("FS_KEY_PREFIX", keyPrefix);
        env.put("FS_PROCESSOR_APPLICATION_ID", "bench-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
        env.put("FS_PROCESSOR_STATE_DIR", temp.resolve("state").toString());
        processor = ProcessorProcess.start(jar, ProcessorProcess.splitOptions(options.processorJavaOpts), env, overrides,
            temp.resolve("processor.log"));
        processor.awaitRunning(180);
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    /** Marks the measurement as complete: the logs are then deleted unless {@code --keep-logs}. */
    void succeeded() {
      succeeded = true;
    }

    /** Records of the input topics not yet committed by the processor, -1 when unknown. */
    long lag() {
      try {
        return endOffsets() - committed();
      } catch (Exception e) {
        return -1;
      }
    }

    /** Offsets committed by the processor's group on the input partitions, summed. */
    long committed() throws Exception {
      Map<TopicPartition, OffsetAndMetadata> offsets = kafka.listConsumerGroupOffsets(processor.applicationId())
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      long sum = 0;
      for (TopicPartition tp : inputPartitions()) {
        OffsetAndMetadata o = offsets.get(tp);
        sum += o == null ? 0 : o.offset();
      }
      return sum;
    }

    /** End offsets of the input partitions, summed. */
    long endOffsets() throws Exception {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (TopicPartition tp : inputPartitions()) {
        request.put(tp, OffsetSpec.latest());
      }
      long sum = 0;
      for (var info : kafka.listOffsets(request).all().get(10, TimeUnit.SECONDS).values()) {
        sum += info.offset();
      }
      return sum;
    }

    private List<TopicPartition> inputPartitions() {
      List<TopicPartition> out = new ArrayList<>();
      for (String topic : List.of(Topics.LOGIN, Topics.TRANSACTION)) {
        for (int p = 0; p < options.partitions; p++) {
          out.add(new TopicPartition(topic, p));
        }
      }
      return out;
    }

    String redisInfo(String field) {
      for (String line : admin.info("server").split("\r?\n")) {
        if (line.startsWith(field + ":")) {
          return line.substring(field.length() + 1);
        }
      }
      return "?";
    }

    double redisCpuSeconds() {
      double total = 0;
      for (String line : admin.info("cpu").split("\r?\n")) {
        if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
          total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return total;
    }

    @Override
    public void close() {
      for (AutoCloseable c : new AutoCloseable[] {processor, poll, admin, kafka, broker}) {
        try {
          if (c != null) {
            c.close();
          }
        } catch (Exception e) {
          err.println("warning: closing " + c + ": " + e.getMessage());
        }
      }
      try (FeatureStore store = FeatureStore.connect(url, registry)) {
        store.admin().reset();
      } catch (RuntimeException e) {
        err.println("warning: could not remove the benchmark's keys: " + e.getMessage());
      }
      if (own != null) {
        own.close();
        ProcessorThroughputBenchmark.delete(own.logFile().getParent()); // its temporary folder (logs)
      }
      if (options.keepLogs || !succeeded) {
        ProcessorThroughputBenchmark.deleteExcept(temp, ".log");
        err.println("logs kept in " + temp);
      } else {
        ProcessorThroughputBenchmark.delete(temp);
      }
      err.flush();
    }
  }

  /** One phase of the load: what its probes measured, and CPU and metrics snapshots at its start and end. */
  static final class Phase {
    final int id;
    final String name;
    final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    /** Probes on the partition of {@link #hotPartition} (none when it is -1). */
    final Histogram samePartitionMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram otherPartitionMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram pollRttMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong probes = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong anomalies = new AtomicLong();
    volatile long maxBehindNanos;
    volatile int hotPartition = -1;
    long t0;
    long t1;
    PrometheusText metrics0;
    PrometheusText metrics1;
    double proc0;
    double proc1;
    double broker0;
    double broker1;
    double redis0;
    double redis1;
    double bench0;
    double bench1;
    double machine0;
    double machine1;
    long lagAtEnd;

    Phase(int id, String name) {
      this.id = id;
      this.name = name;
    }

    double seconds() {
      return (t1 - t0) / 1e9;
    }

    /** Snapshot at the phase's start ({@code atStart}) or end: CPU of every process, the processor's metrics. */
    void snapshot(Rig rig, boolean atStart) {
      double machine = machineCpuSeconds();
      double bench = processCpuSeconds();
      double redis = rig.redisCpuSeconds();
      double brokerCpu = rig.broker.cpuSeconds();
      double proc = rig.processor.cpuSeconds();
      PrometheusText metrics = rig.processor.metrics();
      if (atStart) {
        t0 = System.nanoTime();
        machine0 = machine;
        bench0 = bench;
        redis0 = redis;
        broker0 = brokerCpu;
        proc0 = proc;
        metrics0 = metrics;
      } else {
        t1 = System.nanoTime();
        machine1 = machine;
        bench1 = bench;
        redis1 = redis;
        broker1 = brokerCpu;
        proc1 = proc;
        metrics1 = metrics;
        lagAtEnd = rig.lag();
      }
    }

    double procBusy() {
      return (proc1 - proc0) / seconds();
    }

    double brokerBusy() {
      return (broker1 - broker0) / seconds();
    }

    double redisBusy() {
      return (redis1 - redis0) / seconds();
    }

    double benchBusy() {
      return (bench1 - bench0) / seconds();
    }

    double otherBusy() {
      return Math.max(0, (machine1 - machine0) / seconds() - procBusy() - brokerBusy() - redisBusy() - benchBusy());
    }

    /** How much a counter of the processor's metrics grew over the phase. */
    double delta(String name) {
      return metrics1.sum(name) - metrics0.sum(name);
    }

    /** A quantile of the processor's fs_processor_end_to_end_lag over the phase, in ms. */
    double processorLagMs(double q) {
      return PrometheusText.quantile("fs_processor_end_to_end_lag_seconds", metrics0, metrics1, q) * 1000;
    }
  }

  /** One probe event in flight. */
  private static final class Probe {
    final Phase phase;
    final int slot;
    final String key;
    final int partition;
    final long expected;
    final long sentNanos;
    long polledNanos;

    Probe(Phase phase, int slot, String key, int partition, long expected, long sentNanos) {
      this.phase = phase;
      this.slot = slot;
      this.key = key;
      this.partition = partition;
      this.expected = expected;
      this.sentNanos = sentNanos;
    }

    /**
     * Polled every cycle for its first 100 ms, then once its age has grown by 2 % since the last
     * poll: the same resolution relative to its latency, without hammering Redis with probes
     * stuck behind a backlog.
     */
    boolean due(long now) {
      long age = now - sentNanos;
      return age < 100_000_000L || now - polledNanos >= age / 50;
    }
  }

  private static final int TIMED_OUT = 2;

  private final Options o;
  private final FeatureRegistry registry;
  private final String bootstrapServers;
  private final Jedis poll;
  private final ConcurrentLinkedQueue<Probe> sentProbes = new ConcurrentLinkedQueue<>();
  private final AtomicLongArray slotBusy;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile Phase current;
  private volatile boolean stopRequested;
  /** Cleared by the generator when it stops; the poller then finishes the probes in flight. */
  private volatile boolean generating = true;
  private Thread generator;
  private Thread poller;

  LiveLoad(Rig rig) {
    this.o = rig.options;
    this.registry = rig.registry;
    this.bootstrapServers = rig.broker.bootstrapServers();
    this.poll = rig.poll;
    this.slotBusy = new AtomicLongArray(o.probeUsers);
  }

  /** Starts the generator and the poller at {@code startNanos}, counting into {@code first}. */
  void start(Phase first, long startNanos) {
    current = first;
    generator = new Thread(() -> run(() -> generate(startNanos)), "load-generator");
    poller = new Thread(() -> run(this::pollProbes), "probe-poller");
    generator.setPriority(Thread.MAX_PRIORITY);
    poller.setPriority(Thread.MAX_PRIORITY);
    generator.start();
    poller.start();
  }

  private void run(Runnable body) {
    try {
      body.run();
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  /** From now on, events and probes count into {@code next}. */
  void switchTo(Phase next) {
    current = next;
  }

  /** Stops the load, waits for the probes in flight, and fails if the generator or poller did. */
  void stop() throws InterruptedException {
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

  /** Sleeps until {@code deadline} (nanoTime), checking the load and the processor. */
  void sleepUntil(long deadline, ProcessorProcess processor) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      requireHealthy();
      processor.requireAlive();
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Thread.sleep(Math.max(1, Math.min(200, left)));
    }
  }

  private void generate(long start) {
    EventJson json = new EventJson(registry);
    SyntheticEvents load = new SyntheticEvents(o.seed, o.users, o.txShare, o.failedLoginShare, false);
    AtomicReference<Exception> sendError = new AtomicReference<>();
    long[] probeCount = new long[o.probeUsers];
    Phase probePhase = null;
    int nextSlot = 0;
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(1);
    long probeEvery = TimeUnit.MILLISECONDS.toNanos(o.probeIntervalMs);
    SplittableRandom probeTiming = new SplittableRandom(o.seed ^ 0x5DEECE66DL);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        SyntheticEvents.producerProperties(bootstrapServers, "bench-live-load"))) {
      // Metadata fetched before the clock starts.
      producer.partitionsFor(Topics.LOGIN);
      producer.partitionsFor(Topics.TRANSACTION);
      LockSupport.parkNanos(start - System.nanoTime());
      long sent = 0;
      long nextProbe = start;
      for (long tick = 0; !stopRequested; tick++) {
        long now = System.nanoTime();
        Phase phase = current;
        if (phase != probePhase) {
          probePhase = phase;
          Arrays.fill(probeCount, 0);
          for (int s = 0; s < o.probeUsers; s++) {
            slotBusy.compareAndSet(s, TIMED_OUT, 0); // a new phase has new probe users
          }
        }
        long due = (now - start) * o.rate / 1_000_000_000L;
        long behind = (due - sent) * 1_000_000_000L / o.rate;
        if (behind > phase.maxBehindNanos) {
          phase.maxBehindNanos = behind;
        }
        while (sent < due) {
          long t = System.nanoTime();
          if (t >= nextProbe) {
            // Poisson arrivals (exponential gaps, mean --probe-interval-ms): probes sample every phase of
            // the processor's flush cycle, not a few fixed ones (a 20 ms grid against a 100 ms flush would).
            nextProbe += Math.max(TimeUnit.MICROSECONDS.toNanos(100),
                (long) (-Math.log(1 - probeTiming.nextDouble()) * probeEvery));
            int slot = -1;
            for (int k = 0; k < o.probeUsers; k++) {
              int s = (nextSlot + k) % o.probeUsers;
              if (slotBusy.get(s) == 0) {
                slot = s;
                break;
              }
            }
            if (slot >= 0) {
              nextSlot = (slot + 1) % o.probeUsers;
              String user = "probe-r" + phase.id + "-" + slot;
              long expected = ++probeCount[slot];
              TransactionEvent probe = load.transaction(user, System.currentTimeMillis(), "US");
              byte[] value = json.write(probe);
              slotBusy.set(slot, 1);
              long sentNanos = System.nanoTime();
              producer.send(new ProducerRecord<>(Topics.TRANSACTION, user.getBytes(StandardCharsets.UTF_8), value),
                  (m, e) -> {
                    if (e != null) {
                      sendError.compareAndSet(null, e);
                    }
                  });
              sentProbes.add(new Probe(phase, slot, registry.keyOf(user), o.partitionOf(user), expected, sentNanos));
              phase.probes.incrementAndGet();
              phase.sent.incrementAndGet();
              sent++;
              continue;
            }
          }
          Event event = load.next(System.currentTimeMillis());
          producer.send(new ProducerRecord<>(SyntheticEvents.topicOf(event), event.userId().getBytes(StandardCharsets.UTF_8),
              json.write(event)), (m, e) -> {
                if (e != null) {
                  sendError.compareAndSet(null, e);
                }
              });
          phase.sent.incrementAndGet();
          sent++;
        }
        if (sendError.get() != null) {
          throw new IllegalStateException("a send failed", sendError.get());
        }
        long nextTick = start + (tick + 1) * tickNanos;
        long wait = nextTick - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        } else {
          tick = (System.nanoTime() - start) / tickNanos;
        }
      }
      producer.flush();
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
      for (Probe p : inFlight) {
        if (p.due(t1)) {
          polled.add(p);
        }
      }
      if (!polled.isEmpty()) {
        replies.clear();
        Phase now = current;
        Pipeline pipeline = poll.pipelined();
        for (Probe p : polled) {
          replies.add(pipeline.hget(p.key, FIELD));
        }
        pipeline.sync();
        long t2 = System.nanoTime();
        if (generating) {
          record(now.pollRttMicros, (t2 - t1) / 1000);
        }
        int i = 0;
        for (Probe p : polled) {
          p.polledNanos = t2;
          String value = replies.get(i++).get();
          long seen = value == null ? 0 : Long.parseLong(value);
          Phase phase = p.phase;
          if (seen >= p.expected) {
            record(phase, p, (t2 - p.sentNanos) / 1000);
            if (seen > p.expected) {
              phase.anomalies.incrementAndGet();
            }
            slotBusy.set(p.slot, 0);
            inFlight.remove(p);
          } else if (t2 - p.sentNanos > timeout) {
            record(phase, p, timeout / 1000);
            phase.timeouts.incrementAndGet();
            // Its count is now unknown: the slot takes no further probes until the next phase.
            slotBusy.set(p.slot, TIMED_OUT);
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

  private static void record(Phase phase, Probe p, long micros) {
    record(phase.latencyMicros, micros);
    if (phase.hotPartition >= 0) {
      record(p.partition == phase.hotPartition ? phase.samePartitionMicros : phase.otherPartitionMicros, micros);
    }
  }

  private static void record(Histogram h, long micros) {
    synchronized (h) {
      h.recordValue(Math.min(Math.max(1, micros), h.getHighestTrackableValue()));
    }
  }

  static double ms(double micros) {
    return micros / 1000.0;
  }
}
