package io.featurestore.bench;

import static io.featurestore.bench.BulkLoadBenchmark.cpuModel;
import static io.featurestore.bench.BulkLoadBenchmark.loadAverage;
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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Freshness of streaming features: time from an event's producer send to its effect being
 * visible in Redis, under a steady load. A producer sends R events/s (paced every
 * millisecond) to a running processor (its own process). Some of them are probes: a
 * transaction for a probe user that gets only probe transactions, so its k-th probe must
 * make {@code tx_count_5m} read k. A poller with its own Redis connection reads the probe
 * users' field every millisecond and records when the new value appears.
 */
@Command(name = "freshness", mixinStandardHelpOptions = true,
    description = {"Event produced -> feature visible in Redis, at a steady event rate against the running stream processor.",
        "Starts a KRaft broker and the stream processor (java -jar stream-processor.jar), each its own process, sends",
        "--rate events/s with probe transactions among them, and polls each probe user's tx_count_5m every ~1 ms on a",
        "dedicated connection. Reports p50/p99/max per run (HdrHistogram), the processor's own end-to-end lag metric,",
        "and the poll's Redis round trip. Prints PASS/MISS; exits 0 either way."})
public final class FreshnessBenchmark implements Callable<Integer> {
  static final String FIELD = "tx_count_5m";

  @Option(names = "--rate", defaultValue = "5000", description = "Events per second, probes included (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--duration-seconds", defaultValue = "60", description = "Length of each measured run (default ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--runs", defaultValue = "3", description = "Measured runs, back to back under the same load; medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup-seconds", defaultValue = "20", description = "Load before the first run, not measured (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--users", defaultValue = "100000", description = "Users of the background load (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--tx-share", defaultValue = "0.6", description = "Share of transactions in the load (default ${DEFAULT-VALUE}).")
  double txShare;

  @Option(names = "--failed-login-share", defaultValue = "0.08", description = "Share of failed logins in the load (default ${DEFAULT-VALUE}).")
  double failedLoginShare;

  @Option(names = "--probe-interval-ms", defaultValue = "20",
      description = "Mean gap between probes, exponentially distributed (default ${DEFAULT-VALUE}: 50 probes/s).")
  int probeIntervalMs;

  @Option(names = "--probe-users", defaultValue = "64", description = "Probe users per run; each has at most one probe in flight (default ${DEFAULT-VALUE}).")
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

  @Option(names = "--key-prefix", defaultValue = "bench:fresh:", description = "Prefix of the processor's keys (default ${DEFAULT-VALUE}).")
  String keyPrefix;

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

  @Option(names = "--target-p99-ms", defaultValue = "500", description = "Target p99 in ms (default ${DEFAULT-VALUE}).")
  double targetP99Ms;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One probe event in flight. */
  private record Probe(int phase, int slot, String key, long expected, long sentNanos) {}

  /** What one phase (0 = warm-up, then the runs) measured. */
  private static final class Phase {
    final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram pollRttMicros = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong probes = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong anomalies = new AtomicLong();
    volatile long maxBehindNanos;
    // Snapshots at its start and end (main thread).
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
  }

  @Override
  public Integer call() throws Exception {
    if (rate < 1 || durationSeconds < 1 || runs < 1 || warmupSeconds < 0 || users < 1 || probeIntervalMs < 1
        || probeUsers < 1 || pollIntervalMicros < 1 || probeTimeoutSeconds < 1 || partitions < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "every count, rate and duration must be >= 1");
    }
    if (durationSeconds + probeTimeoutSeconds > 240) {
      // A probe user's transactions must all stay inside the 5-minute window for its count to be known.
      throw new CommandLine.ParameterException(spec.commandLine(), "--duration-seconds + --probe-timeout-seconds must be <= 240");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path jar = ProcessorProcess.locateJar(processorJar);
    Map<String, String> overrides = ProcessorProcess.parseOverrides(processorEnv);
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry registry = bundled.withOverrides(keyPrefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
    Path temp = Files.createTempDirectory("fs-bench-freshness-");
    RedisServer own = null;
    String url = redisUrl;
    if (url == null) {
      own = RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next());
      url = own.url();
    }
    boolean failed = true;
    try (FeatureStore store = FeatureStore.connect(url, registry)) {
      store.reset();
      try (BrokerProcess broker = BrokerProcess.start(ProcessorProcess.splitOptions(brokerJavaOpts), temp.resolve("kafka"),
          temp.resolve("broker.log"), partitions, Topics.ALL);
           Admin kafka = Admin.create(BrokerProcess.adminProperties(broker.bootstrapServers()));
           Jedis admin = new Jedis(URI.create(url));
           Jedis poll = new Jedis(URI.create(url))) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("REDIS_URL", url);
        env.put("FS_KEY_PREFIX", keyPrefix);
        env.put("FS_PROCESSOR_APPLICATION_ID", "bench-freshness-" + UUID.randomUUID().toString().substring(0, 8));
        env.put("FS_PROCESSOR_STATE_DIR", temp.resolve("state").toString());
        try (ProcessorProcess processor = ProcessorProcess.start(jar, ProcessorProcess.splitOptions(processorJavaOpts), env,
            overrides, temp.resolve("processor.log"))) {
          processor.awaitRunning(180);
          Histogram hgetRtt = hgetRoundTrips(poll, registry.keyOf("probe-baseline"), 20_000);
          printHeader(out, url, jar, overrides, admin, hgetRtt);
          List<Phase> phases = measure(broker, processor, kafka, poll, admin, registry);
          report(out, phases, hgetRtt);
          processor.requireAlive();
        }
      }
      failed = false;
      return 0;
    } finally {
      try (FeatureStore store = FeatureStore.connect(url, registry)) {
        store.reset();
      } catch (RuntimeException e) {
        spec.commandLine().getErr().println("warning: could not remove the benchmark's keys: " + e.getMessage());
      }
      if (own != null) {
        own.close();
        ProcessorThroughputBenchmark.delete(own.logFile().getParent()); // its temporary folder (logs)
      }
      if (keepLogs || failed) {
        ProcessorThroughputBenchmark.deleteExcept(temp, ".log");
        spec.commandLine().getErr().println("logs kept in " + temp);
      } else {
        ProcessorThroughputBenchmark.delete(temp);
      }
    }
  }

  private void printHeader(PrintWriter out, String url, Path jar, Map<String, String> overrides, Jedis admin,
      Histogram hgetRtt) {
    out.printf("freshness benchmark, %s%n", LocalDate.now());
    out.printf("machine   : %d cores (nproc), %s, Java %s, load average %s%n", Runtime.getRuntime().availableProcessors(),
        cpuModel(), System.getProperty("java.version"), loadAverage());
    out.printf("redis     : %s at %s%n", redisInfo(admin, "redis_version"), url);
    out.printf("kafka     : single-node KRaft broker, own process (KafkaBrokerMain), %d partitions per topic%n", partitions);
    out.printf("processor : java %s-jar %s, own process, prefix %s%s%n", processorJavaOpts.isBlank() ? "" : processorJavaOpts + " ",
        jar.getFileName(), keyPrefix, overrides.isEmpty() ? " (its default settings: flush every 100 ms, 1 thread)" : ", " + overrides);
    out.printf("load      : %,d events/s paced every 1 ms (event simulator's producer settings: acks=all, linger 5 ms, lz4)"
        + " over %,d users; warm-up %d s, then %d runs of %d s%n", rate, users, warmupSeconds, runs, durationSeconds);
    out.printf("probes    : Poisson, mean gap %d ms (%d/s, part of the rate), a transaction for one of %d probe users per run;"
        + " latency = producer send -> new %s value read by a poller (own connection, pipelined HGET every %d us)%n",
        probeIntervalMs, 1000 / probeIntervalMs, probeUsers, FIELD, pollIntervalMicros);
    out.printf("baseline  : HGET round trip on the poller's connection, idle, 20,000 sequential: p50 %.3f ms, p99 %.3f ms,"
        + " max %.3f ms%n", ms(hgetRtt.getValueAtPercentile(50)), ms(hgetRtt.getValueAtPercentile(99)), ms(hgetRtt.getMaxValue()));
    out.println();
    out.flush();
  }

  private static String redisInfo(Jedis redis, String field) {
    for (String line : redis.info("server").split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1);
      }
    }
    return "?";
  }

  private static double serverCpu(Jedis redis) {
    double total = 0;
    for (String line : redis.info("cpu").split("\r?\n")) {
      if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
        total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return total;
  }

  private static Histogram hgetRoundTrips(Jedis redis, String key, int n) {
    redis.hset(key, FIELD, "0");
    Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      redis.hget(key, FIELD);
      h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
    }
    redis.del(key);
    h.reset();
    for (int i = 0; i < n; i++) { // second pass: JIT-compiled client
      long t0 = System.nanoTime();
      redis.hget(key, FIELD);
      h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
    }
    return h;
  }

  private List<Phase> measure(BrokerProcess broker, ProcessorProcess processor, Admin kafka, Jedis poll, Jedis admin,
      FeatureRegistry registry) throws Exception {
    int phaseCount = runs + 1;
    List<Phase> phases = new ArrayList<>();
    for (int i = 0; i < phaseCount; i++) {
      phases.add(new Phase());
    }
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    long[] bounds = new long[phaseCount + 1];
    bounds[0] = start;
    bounds[1] = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    for (int i = 2; i <= phaseCount; i++) {
      bounds[i] = bounds[i - 1] + TimeUnit.SECONDS.toNanos(durationSeconds);
    }
    ConcurrentLinkedQueue<Probe> sentProbes = new ConcurrentLinkedQueue<>();
    AtomicLongArray slotBusy = new AtomicLongArray(probeUsers);
    AtomicReference<Throwable> failure = new AtomicReference<>();

    Thread generator = new Thread(() -> {
      try {
        generate(broker.bootstrapServers(), registry, bounds, phases, sentProbes, slotBusy);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }, "load-generator");
    Thread poller = new Thread(() -> {
      try {
        pollProbes(poll, bounds, phases, sentProbes, slotBusy);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }, "probe-poller");
    generator.setPriority(Thread.MAX_PRIORITY);
    poller.setPriority(Thread.MAX_PRIORITY);
    generator.start();
    poller.start();

    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (String topic : List.of(Topics.LOGIN, Topics.TRANSACTION)) {
      for (int p = 0; p < partitions; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    String group = processor.applicationId();
    for (int i = 0; i < phaseCount; i++) {
      sleepUntil(bounds[i], failure, processor);
      Phase ph = phases.get(i);
      snapshot(ph, true, processor, broker, admin);
      if (i > 0) {
        Phase previous = phases.get(i - 1);
        snapshot(previous, false, processor, broker, admin);
        previous.lagAtEnd = lag(kafka, group, latest);
      }
    }
    sleepUntil(bounds[phaseCount], failure, processor);
    Phase last = phases.get(phaseCount - 1);
    snapshot(last, false, processor, broker, admin);
    last.lagAtEnd = lag(kafka, group, latest);
    generator.join(TimeUnit.SECONDS.toMillis(30));
    poller.join(TimeUnit.SECONDS.toMillis(probeTimeoutSeconds + 30L));
    if (failure.get() != null) {
      throw new IllegalStateException("the measurement failed: " + failure.get(), failure.get());
    }
    return phases;
  }

  /** Cleared by the generator when the last run ends; the poller then finishes the probes in flight. */
  private volatile boolean generating = true;

  private void generate(String bootstrapServers, FeatureRegistry registry, long[] bounds, List<Phase> phases,
      ConcurrentLinkedQueue<Probe> sentProbes, AtomicLongArray slotBusy) {
    EventJson json = new EventJson(registry);
    SyntheticEvents load = new SyntheticEvents(seed, users, txShare, failedLoginShare, false);
    AtomicReference<Exception> sendError = new AtomicReference<>();
    long[] probeCount = new long[probeUsers];
    int probePhase = -1;
    int nextSlot = 0;
    long start = bounds[0];
    long end = bounds[bounds.length - 1];
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(1);
    long probeEvery = TimeUnit.MILLISECONDS.toNanos(probeIntervalMs);
    java.util.SplittableRandom probeTiming = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        SyntheticEvents.producerProperties(bootstrapServers, "bench-freshness"))) {
      // Metadata fetched before the clock starts.
      producer.partitionsFor(Topics.LOGIN);
      producer.partitionsFor(Topics.TRANSACTION);
      LockSupport.parkNanos(start - System.nanoTime());
      long sent = 0;
      long nextProbe = start;
      for (long tick = 0; ; tick++) {
        long now = System.nanoTime();
        if (now >= end) {
          break;
        }
        int phaseNo = phaseOf(bounds, now);
        Phase phase = phases.get(phaseNo);
        if (phaseNo != probePhase) {
          probePhase = phaseNo;
          java.util.Arrays.fill(probeCount, 0);
        }
        long due = (now - start) * rate / 1_000_000_000L;
        long behind = (due - sent) * 1_000_000_000L / rate;
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
            for (int k = 0; k < probeUsers; k++) {
              int s = (nextSlot + k) % probeUsers;
              if (slotBusy.get(s) == 0) {
                slot = s;
                break;
              }
            }
            if (slot >= 0) {
              nextSlot = (slot + 1) % probeUsers;
              String user = "probe-r" + phaseNo + "-" + slot;
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
              sentProbes.add(new Probe(phaseNo, slot, registry.keyOf(user), expected, sentNanos));
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

  private void pollProbes(Jedis poll, long[] bounds, List<Phase> phases, ConcurrentLinkedQueue<Probe> sentProbes,
      AtomicLongArray slotBusy) {
    List<Probe> inFlight = new ArrayList<>();
    long interval = TimeUnit.MICROSECONDS.toNanos(pollIntervalMicros);
    long timeout = TimeUnit.SECONDS.toNanos(probeTimeoutSeconds);
    long next = System.nanoTime();
    List<Response<String>> replies = new ArrayList<>();
    while (generating || !inFlight.isEmpty() || !sentProbes.isEmpty()) {
      for (Probe p; (p = sentProbes.poll()) != null; ) {
        inFlight.add(p);
      }
      if (!inFlight.isEmpty()) {
        replies.clear();
        long t1 = System.nanoTime();
        Pipeline pipeline = poll.pipelined();
        for (Probe p : inFlight) {
          replies.add(pipeline.hget(p.key(), FIELD));
        }
        pipeline.sync();
        long t2 = System.nanoTime();
        if (t1 >= bounds[0] && t1 < bounds[bounds.length - 1]) {
          record(phases.get(phaseOf(bounds, t1)).pollRttMicros, (t2 - t1) / 1000);
        }
        Iterator<Probe> it = inFlight.iterator();
        int i = 0;
        while (it.hasNext()) {
          Probe p = it.next();
          String value = replies.get(i++).get();
          long seen = value == null ? 0 : Long.parseLong(value);
          Phase phase = phases.get(p.phase());
          if (seen >= p.expected()) {
            record(phase.latencyMicros, (t2 - p.sentNanos()) / 1000);
            if (seen > p.expected()) {
              phase.anomalies.incrementAndGet();
            }
            slotBusy.set(p.slot(), 0);
            it.remove();
          } else if (t2 - p.sentNanos() > timeout) {
            record(phase.latencyMicros, timeout / 1000);
            phase.timeouts.incrementAndGet();
            // The slot stays busy: its count is now unknown, so it takes no further probes this run.
            it.remove();
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

  private static void record(Histogram h, long micros) {
    synchronized (h) {
      h.recordValue(Math.min(Math.max(1, micros), h.getHighestTrackableValue()));
    }
  }

  private static int phaseOf(long[] bounds, long t) {
    for (int i = bounds.length - 2; i > 0; i--) {
      if (t >= bounds[i]) {
        return i;
      }
    }
    return 0;
  }

  private void snapshot(Phase ph, boolean atStart, ProcessorProcess processor, BrokerProcess broker, Jedis admin) {
    double machine = machineCpuSeconds();
    double bench = processCpuSeconds();
    double redis = serverCpu(admin);
    double brokerCpu = broker.cpuSeconds();
    double proc = processor.cpuSeconds();
    PrometheusText metrics = processor.metrics();
    if (atStart) {
      ph.machine0 = machine;
      ph.bench0 = bench;
      ph.redis0 = redis;
      ph.broker0 = brokerCpu;
      ph.proc0 = proc;
      ph.metrics0 = metrics;
    } else {
      ph.machine1 = machine;
      ph.bench1 = bench;
      ph.redis1 = redis;
      ph.broker1 = brokerCpu;
      ph.proc1 = proc;
      ph.metrics1 = metrics;
    }
  }

  /** Records of the input topics not yet committed by the processor. */
  private static long lag(Admin kafka, String group, Map<TopicPartition, OffsetSpec> latest) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          kafka.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      long lag = 0;
      for (var e : kafka.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        lag += e.getValue().offset() - (c == null ? 0 : c.offset());
      }
      return lag;
    } catch (Exception e) {
      return -1;
    }
  }

  private static void sleepUntil(long deadline, AtomicReference<Throwable> failure, ProcessorProcess processor)
      throws InterruptedException {
    while (System.nanoTime() < deadline) {
      if (failure.get() != null) {
        throw new IllegalStateException("the measurement failed: " + failure.get(), failure.get());
      }
      processor.requireAlive();
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Thread.sleep(Math.max(1, Math.min(200, left)));
    }
  }

  private void report(PrintWriter out, List<Phase> phases, Histogram hgetRtt) {
    String lagMetric = "fs_processor_end_to_end_lag_seconds";
    out.println("latency = producer send -> value visible in Redis (ms); proc lag = the processor's fs_processor_end_to_end_lag"
        + " (event ts -> Redis write, from its Prometheus buckets, interpolated)");
    out.printf("%-7s %8s %6s %7s %4s | %7s %7s %7s %7s %7s | %8s %8s | %8s %8s | %5s %5s %5s %5s %5s %6s%n", "run",
        "sent/s", "behind", "probes", "t/o", "p50", "p90", "p99", "p99.9", "max", "lag p50", "lag p99", "poll p50", "poll p99",
        "proc", "brokr", "redis", "bench", "other", "backlog");
    List<double[]> figures = new ArrayList<>();
    Histogram pooled = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    for (int i = 0; i < phases.size(); i++) {
      Phase ph = phases.get(i);
      double seconds = i == 0 ? warmupSeconds : durationSeconds;
      Histogram h = ph.latencyMicros;
      double lag50 = PrometheusText.quantile(lagMetric, ph.metrics0, ph.metrics1, 0.50) * 1000;
      double lag99 = PrometheusText.quantile(lagMetric, ph.metrics0, ph.metrics1, 0.99) * 1000;
      double proc = (ph.proc1 - ph.proc0) / seconds;
      double brokerBusy = (ph.broker1 - ph.broker0) / seconds;
      double redisBusy = (ph.redis1 - ph.redis0) / seconds;
      double bench = (ph.bench1 - ph.bench0) / seconds;
      double other = Math.max(0, (ph.machine1 - ph.machine0) / seconds - proc - brokerBusy - redisBusy - bench);
      out.printf("%-7s %,8.0f %6.1f %7d %4d | %7.1f %7.1f %7.1f %7.1f %7.1f | %8.1f %8.1f | %8.3f %8.3f | %5.2f %5.2f %5.2f %5.2f %5.2f %,6d%n",
          i == 0 ? "warm-up" : Integer.toString(i), ph.sent.get() / seconds, ph.maxBehindNanos / 1e6, h.getTotalCount(),
          ph.timeouts.get(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
          ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), lag50, lag99,
          ms(ph.pollRttMicros.getValueAtPercentile(50)), ms(ph.pollRttMicros.getValueAtPercentile(99)),
          proc, brokerBusy, redisBusy, bench, other, ph.lagAtEnd);
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
        + " (target p99 <= %.0f ms) %s%n", rate, p50, p99, ms(pooled.getValueAtPercentile(99)), ms(pooled.getMaxValue()),
        targetP99Ms, p99 <= targetP99Ms ? "PASS" : "MISS");
    out.flush();
  }

  private static double median(List<double[]> rows, int column) {
    return BulkLoadBenchmark.median(rows.stream().mapToDouble(r -> r[column]).toArray());
  }

  private static double ms(double micros) {
    return micros / 1000.0;
  }
}
