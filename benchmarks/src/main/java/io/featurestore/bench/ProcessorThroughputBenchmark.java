package io.featurestore.bench;

import static io.featurestore.bench.BulkLoadBenchmark.cpuModel;
import static io.featurestore.bench.BulkLoadBenchmark.info;
import static io.featurestore.bench.BulkLoadBenchmark.loadAverage;
import static io.featurestore.bench.BulkLoadBenchmark.machineCpuSeconds;
import static io.featurestore.bench.BulkLoadBenchmark.processCpuSeconds;
import static io.featurestore.bench.BulkLoadBenchmark.serverCpuSeconds;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;

/**
 * The stream processor's throughput on a backlog: N valid events are produced first, then
 * the real processor (its own process, fresh application id) starts and the time until all
 * N are applied (their offsets committed, which the processor does only after their effects
 * are in Redis) gives events/s. Baselines in the same run, on the same broker and Redis: a
 * plain KafkaConsumer reading the same N records, and the processor's Redis sink
 * ({@link FeatureStore#writeStreaming}, chunks of 500) writing one update per event.
 */
@Command(name = "processor-throughput", mixinStandardHelpOptions = true,
    description = {"Stream processor throughput on N pre-produced events vs a plain consumer and the raw Redis sink.",
        "Each run starts a fresh KRaft broker (own process), produces N events, measures a plain KafkaConsumer reading",
        "them and FeatureStore.writeStreaming writing N updates, then starts the real stream processor",
        "(java -jar stream-processor.jar, own process, fresh application id) and measures from Kafka Streams RUNNING",
        "until every offset is committed. Prints every run, the medians and PASS/MISS; exits 0 either way."})
public final class ProcessorThroughputBenchmark implements Callable<Integer> {
  static final List<String> INPUT_TOPICS = List.of(Topics.LOGIN, Topics.TRANSACTION);

  @Option(names = "--events", defaultValue = "1000000", description = "Events produced per run (default ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--users", defaultValue = "100000", description = "Users the events are spread over, uniformly (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--runs", defaultValue = "3", description = "Runs; medians are reported (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--partitions", defaultValue = "3", description = "Partitions of each topic (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--tx-share", defaultValue = "0.6", description = "Share of transactions (default ${DEFAULT-VALUE}).")
  double txShare;

  @Option(names = "--failed-login-share", defaultValue = "0.08", description = "Share of failed logins (default ${DEFAULT-VALUE}); the rest are successful logins.")
  double failedLoginShare;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the events (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--redis-url", paramLabel = "URL",
      description = "Redis to use; without it, a redis-server of its own is started on a free loopback port and stopped at the end.")
  String redisUrl;

  @Option(names = "--key-prefix", defaultValue = "bench:stream:", description = "Prefix of the processor's keys (default ${DEFAULT-VALUE}).")
  String keyPrefix;

  @Option(names = "--sink-prefix", defaultValue = "bench:sink:", description = "Prefix of the raw sink baseline's keys (default ${DEFAULT-VALUE}).")
  String sinkPrefix;

  @Option(names = "--processor-jar", paramLabel = "JAR",
      description = "The stream processor jar (default: $FS_PROCESSOR_JAR, else " + ProcessorProcess.DEFAULT_JAR + " in this checkout).")
  Path processorJar;

  @Option(names = "--processor-java-opts", defaultValue = "", paramLabel = "OPTS",
      description = "JVM options of the processor process, e.g. for JFR (default: none).")
  String processorJavaOpts;

  @Option(names = "--processor-env", paramLabel = "KEY=VALUE",
      description = "Extra processor setting, repeatable, e.g. FS_PROCESSOR_THREADS=2 (default: the processor's defaults).")
  List<String> processorEnv;

  @Option(names = "--broker-java-opts", defaultValue = "", paramLabel = "OPTS", description = "JVM options of the broker process.")
  String brokerJavaOpts;

  @Option(names = "--skip-baselines", description = "Measure only the processor.")
  boolean skipBaselines;

  @Option(names = "--verify-users", defaultValue = "5000",
      description = "Users whose features are checked against the produced events after each run (default ${DEFAULT-VALUE}; 0 = off).")
  int verifyUsers;

  @Option(names = "--keep-logs", description = "Keep the broker and processor logs (their folder is printed).")
  boolean keepLogs;

  @Option(names = "--target", defaultValue = "50000", description = "Target events/s (default ${DEFAULT-VALUE}).")
  double target;

  @Option(names = "--timeout-seconds", defaultValue = "900", description = "Give up on a run after this long (default ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * One run. Rates in events (or updates) per second; CPU in seconds over the processor's
   * measured interval (RUNNING → all committed).
   */
  record Run(long events, double produceRate, double consumeRate, double sinkRate, double processorRate, double steadyRate,
      double seconds, double secondsFromSpawn, double startSeconds, long redisWrites, double procCpu, double brokerCpu,
      double redisCpu, double benchCpu, double machineCpu, int verified, int mismatches, Map<String, Double> threadCpu) {
    double procBusy() {
      return procCpu / seconds;
    }

    double brokerBusy() {
      return brokerCpu / seconds;
    }

    double redisBusy() {
      return redisCpu / seconds;
    }

    double otherBusy() {
      return Math.max(0, (machineCpu - procCpu - brokerCpu - redisCpu - benchCpu) / seconds);
    }

    double procMicrosPerEvent() {
      return procCpu / events * 1e6;
    }

    double brokerMicrosPerEvent() {
      return brokerCpu / events * 1e6;
    }

    double redisMicrosPerEvent() {
      return redisCpu / events * 1e6;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (events < 1 || users < 1 || runs < 1 || partitions < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--events, --users, --runs and --partitions must be >= 1");
    }
    if (keyPrefix.startsWith(sinkPrefix) || sinkPrefix.startsWith(keyPrefix)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--key-prefix and --sink-prefix must not overlap");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path jar = ProcessorProcess.locateJar(processorJar);
    Map<String, String> overrides = ProcessorProcess.parseOverrides(processorEnv);
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry registry = bundled.withOverrides(keyPrefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
    FeatureRegistry sinkRegistry = bundled.withOverrides(sinkPrefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
    Path temp = Files.createTempDirectory("fs-bench-throughput-");
    RedisServer own = null;
    String url = redisUrl;
    if (url == null) {
      own = RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next());
      url = own.url();
    }
    boolean failed = true;
    try (RedisClient admin = RedisClient.create(url)) {
      FeatureStore.connect(url, registry).close(); // refuses Redis < 7.4 with a clear message
      out.printf("processor-throughput benchmark, %s%n", LocalDate.now());
      out.printf("machine   : %d cores (nproc), %s, Java %s, load average %s%n", Runtime.getRuntime().availableProcessors(),
          cpuModel(), System.getProperty("java.version"), loadAverage());
      out.printf("redis     : %s at %s%s%n", info(admin, "server", "redis_version"), url,
          own != null ? " (started by this benchmark, no persistence)" : "");
      out.printf("kafka     : a fresh single-node KRaft broker per run, own process (KafkaBrokerMain), %d partitions per topic%n",
          partitions);
      out.printf("processor : java %s-jar %s, own process, fresh application id per run, prefix %s%s%n",
          processorJavaOpts.isBlank() ? "" : processorJavaOpts + " ", jar.getFileName(), keyPrefix,
          overrides.isEmpty() ? " (its default settings)" : ", " + overrides);
      out.printf("events    : %,d per run over %,d users (%.0f%% transactions, %.0f%% failed logins, rest successful logins),"
          + " event times within the last 2 s when produced%n", events, users, txShare * 100, failedLoginShare * 100);
      out.printf("baselines : plain KafkaConsumer reading the same %,d records (this JVM, max.poll.records 1000);"
          + " FeatureStore.writeStreaming of %,d updates, chunks of 500, 1 thread (the processor's sink)%n", events, events);
      out.println();
      out.printf("%-4s %10s %10s %11s %12s %11s %8s %9s %12s %8s%n", "run", "produce/s", "consume/s", "sink upd/s",
          "processor/s", "steady/s", "wall s", "start s", "Redis writes", "verified");
      out.flush();

      List<Run> results = new ArrayList<>();
      for (int i = 1; i <= runs; i++) {
        Run run = runOnce(i, temp.resolve("run-" + i), url, jar, overrides, registry, sinkRegistry, admin);
        deleteExcept(temp.resolve("run-" + i), ".log"); // the run's Kafka data and processor state; logs are small
        results.add(run);
        out.printf("%-4d %,10.0f %,10.0f %,11.0f %,12.0f %,11.0f %8.2f %9.2f %,12d %8s%n", i, run.produceRate(),
            run.consumeRate(), run.sinkRate(), run.processorRate(), run.steadyRate(), run.seconds(), run.startSeconds(),
            run.redisWrites(), run.verified() == 0 ? "off" : run.mismatches() == 0 ? "ok " + run.verified() : run.mismatches() + " BAD");
        out.flush();
      }
      double rate = median(results, Run::processorRate);
      out.printf("%-4s %,10.0f %,10.0f %,11.0f %,12.0f %,11.0f %8.2f %9.2f%n", "med", median(results, Run::produceRate),
          median(results, Run::consumeRate), median(results, Run::sinkRate), rate, median(results, Run::steadyRate),
          median(results, Run::seconds), median(results, Run::startSeconds));
      out.println();
      out.println("processor/s: events / time from Kafka Streams RUNNING (polled every 5 ms on /health) until all offsets are");
      out.println("  committed (polled every 50 ms); it includes fetching, parsing, state, changelog, Redis writes and the last");
      out.println("  commit, and excludes JVM start, Kafka Streams start-up and the consumer group join ('start s').");
      out.println("steady/s: the same between 10 % and 90 % of the events committed (no cold start, no tail).");
      out.println("Redis writes: users written by the processor (sum of fs_processor_sink_flush_users).");
      out.println();
      if (!skipBaselines) {
        out.printf("ratio processor / plain consumer : %.3f%n", rate / median(results, Run::consumeRate));
        out.printf("ratio processor / raw Redis sink : %.3f (sink updates/s; the processor made %.2f Redis writes per event)%n",
            rate / median(results, Run::sinkRate), median(results, r -> (double) r.redisWrites() / r.events()));
      }
      out.println();
      out.println("where the CPU went while the processor ran (cores busy, 1.00 = one core; us = CPU time per event):");
      out.printf("%-4s %9s %8s %8s %8s | %9s %9s %9s%n", "run", "processor", "broker", "redis", "other", "proc us", "broker us",
          "redis us");
      for (int i = 0; i < results.size(); i++) {
        Run r = results.get(i);
        out.printf("%-4d %9.2f %8.2f %8.2f %8.2f | %9.2f %9.2f %9.2f%n", i + 1, r.procBusy(), r.brokerBusy(), r.redisBusy(),
            r.otherBusy(), r.procMicrosPerEvent(), r.brokerMicrosPerEvent(), r.redisMicrosPerEvent());
      }
      out.printf("%-4s %9.2f %8.2f %8.2f %8.2f | %9.2f %9.2f %9.2f%n", "med", median(results, Run::procBusy),
          median(results, Run::brokerBusy), median(results, Run::redisBusy), median(results, Run::otherBusy),
          median(results, Run::procMicrosPerEvent), median(results, Run::brokerMicrosPerEvent),
          median(results, Run::redisMicrosPerEvent));
      out.println("(other: CPU used by none of processor, broker, redis-server and this JVM; non-zero means something else ran)");
      out.println("processor CPU by thread group (us per event; streams = the stream thread(s) and state updater,");
      out.println("kafka-clients = producer/consumer network threads, gc, jit = compiler threads):");
      for (int i = 0; i < results.size(); i++) {
        StringBuilder line = new StringBuilder(String.format("%-4d", i + 1));
        long n = results.get(i).events();
        results.get(i).threadCpu().forEach((group, cpu) -> line.append(String.format(" %s %.2f", group, cpu / n * 1e6)));
        out.println(line);
      }
      out.println();
      out.printf("median processor throughput: %,.0f events/s (target >= %,.0f) %s%n", rate, target,
          rate >= target ? "PASS" : "MISS");
      int bad = results.stream().mapToInt(Run::mismatches).sum();
      if (bad > 0) {
        out.printf("WARNING: %d checked users had features that do not match the produced events%n", bad);
      }
      out.flush();
      failed = false;
      return 0;
    } finally {
      try (FeatureStore store = FeatureStore.connect(url, registry);
           FeatureStore sink = FeatureStore.connect(url, sinkRegistry)) {
        store.admin().reset();
        sink.admin().reset();
      } catch (RuntimeException e) {
        spec.commandLine().getErr().println("warning: could not remove the benchmark's keys: " + e.getMessage());
      }
      if (own != null) {
        own.close();
        ProcessorThroughputBenchmark.delete(own.logFile().getParent()); // its temporary folder (logs)
      }
      if (keepLogs || failed) {
        deleteExcept(temp, ".log");
        spec.commandLine().getErr().println("logs kept in " + temp);
      } else {
        delete(temp);
      }
    }
  }

  private Run runOnce(int runNo, Path dir, String url, Path jar, Map<String, String> overrides, FeatureRegistry registry,
      FeatureRegistry sinkRegistry, RedisClient admin) throws Exception {
    Files.createDirectories(dir);
    try (FeatureStore store = FeatureStore.connect(url, registry)) {
      store.admin().reset();
    }
    try (BrokerProcess broker = BrokerProcess.start(ProcessorProcess.splitOptions(brokerJavaOpts), dir.resolve("kafka"),
        dir.resolve("broker.log"), partitions, Topics.ALL);
         Admin kafka = Admin.create(BrokerProcess.adminProperties(broker.bootstrapServers()))) {
      // 1. The backlog.
      SyntheticEvents generated = new SyntheticEvents(seed + runNo, users, txShare, failedLoginShare, verifyUsers > 0);
      double produceRate = produce(broker.bootstrapServers(), generated);
      Map<TopicPartition, Long> ends = endOffsets(kafka);
      long total = ends.values().stream().mapToLong(Long::longValue).sum();
      if (total != events) {
        throw new IllegalStateException("the topics hold " + total + " records, not " + events);
      }

      // 2. Baselines on the same broker and Redis.
      double consumeRate = Double.NaN;
      double sinkRate = Double.NaN;
      if (!skipBaselines) {
        consumeRate = plainConsume(broker.bootstrapServers(), ends);
        sinkRate = rawSink(url, sinkRegistry, runNo);
      }
      System.gc();

      // 3. The processor, from a fresh application id (reads from the beginning, empty state).
      String appId = "bench-throughput-" + UUID.randomUUID().toString().substring(0, 8);
      Map<String, String> env = new LinkedHashMap<>();
      env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      env.put("REDIS_URL", url);
      env.put("FS_KEY_PREFIX", keyPrefix);
      env.put("FS_PROCESSOR_APPLICATION_ID", appId);
      env.put("FS_PROCESSOR_STATE_DIR", dir.resolve("state").toString());
      long spawned = System.nanoTime();
      try (ProcessorProcess processor = ProcessorProcess.start(jar, ProcessorProcess.splitOptions(processorJavaOpts), env,
          overrides, dir.resolve("processor.log"))) {
        long running = processor.awaitRunning(180);
        Map<String, Double> threads0 = processor.threadCpuSeconds(appId);
        double proc0 = processor.cpuSeconds();
        double broker0 = broker.cpuSeconds();
        double redis0 = serverCpuSeconds(admin);
        double bench0 = processCpuSeconds();
        double machine0 = machineCpuSeconds();
        long deadline = running + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long at10 = -1;
        long at90 = -1;
        long committed = 0;
        long done;
        while (true) {
          committed = committed(kafka, appId, ends.keySet());
          long now = System.nanoTime();
          if (at10 < 0 && committed >= events / 10) {
            at10 = now;
          }
          if (at90 < 0 && committed >= events * 9 / 10) {
            at90 = now;
          }
          if (committed >= events) {
            done = now;
            break;
          }
          processor.requireAlive();
          if (now > deadline) {
            throw new IllegalStateException("the processor committed " + committed + " of " + events + " events in "
                + timeoutSeconds + " s");
          }
          Thread.sleep(50);
        }
        double machineCpu = machineCpuSeconds() - machine0;
        double benchCpu = processCpuSeconds() - bench0;
        double redisCpu = serverCpuSeconds(admin) - redis0;
        double brokerCpu = broker.cpuSeconds() - broker0;
        double procCpu = processor.cpuSeconds() - proc0;
        Map<String, Double> threadCpu = new java.util.TreeMap<>(processor.threadCpuSeconds(appId));
        threadCpu.replaceAll((group, cpu) -> cpu - threads0.getOrDefault(group, 0.0));
        PrometheusText metrics = processor.metrics();
        double applied = metrics.sum("fs_processor_events_total");
        double late = metrics.sum("fs_processor_late_events_total");
        double dead = metrics.sum("fs_processor_dead_letters_total");
        if (applied != events || late != 0 || dead != 0) {
          throw new IllegalStateException(String.format("the processor applied %.0f events (%.0f late, %.0f dead letters),"
              + " expected %d valid in-window events", applied, late, dead, events));
        }
        long redisWrites = Math.round(metrics.sum("fs_processor_sink_flush_users_sum"));
        processor.stop(40);
        int[] verified = verify(url, registry, generated);
        double seconds = (done - running) / 1e9;
        return new Run(events, produceRate, consumeRate, sinkRate, events / seconds,
            (events * 0.8) / ((at90 - at10) / 1e9), seconds, (done - spawned) / 1e9, (running - spawned) / 1e9,
            redisWrites, procCpu, brokerCpu, redisCpu, benchCpu, machineCpu, verified[0], verified[1], threadCpu);
      } catch (RuntimeException | InterruptedException e) {
        spec.commandLine().getErr().println("run " + runNo + " failed; logs in " + dir);
        throw e;
      }
    } finally {
      try (FeatureStore store = FeatureStore.connect(url, registry)) {
        store.admin().reset();
      }
    }
  }

  /** Produces the backlog with the simulator's producer settings; returns events/s (informational). */
  private double produce(String bootstrapServers, SyntheticEvents generated) throws InterruptedException {
    EventJson json = new EventJson(FeatureRegistry.bundled());
    AtomicReference<Exception> error = new AtomicReference<>();
    AtomicLong acked = new AtomicLong();
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        SyntheticEvents.producerProperties(bootstrapServers, "bench-backlog"))) {
      for (long n = 0; n < events; n++) {
        // Event times just behind the wall clock, so every event is inside its window when processed.
        Event event = generated.next(System.currentTimeMillis() - (n % 2000));
        producer.send(new ProducerRecord<>(SyntheticEvents.topicOf(event), event.userId().getBytes(StandardCharsets.UTF_8),
            json.write(event)), (metadata, e) -> {
              if (e != null) {
                error.compareAndSet(null, e);
              } else {
                acked.incrementAndGet();
              }
            });
        if (error.get() != null) {
          break;
        }
      }
      producer.flush();
    }
    if (error.get() != null || acked.get() != events) {
      throw new IllegalStateException("producing the backlog failed after " + acked.get() + " events", error.get());
    }
    return events / ((System.nanoTime() - start) / 1e9);
  }

  private Map<TopicPartition, Long> endOffsets(Admin kafka) throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (String topic : INPUT_TOPICS) {
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    kafka.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  /** Offsets committed by the processor's group on the input partitions. */
  private static long committed(Admin kafka, String group, Set<TopicPartition> partitions) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        kafka.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    long sum = 0;
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata o = offsets.get(tp);
      if (o != null) {
        sum += o.offset();
      }
    }
    return sum;
  }

  /** Baseline: a plain consumer (no group, no processing) reads the same records from the start. */
  private double plainConsume(String bootstrapServers, Map<TopicPartition, Long> ends) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-plain-consumer");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000); // Kafka Streams' default
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.assign(ends.keySet());
      consumer.seekToBeginning(ends.keySet());
      long start = System.nanoTime();
      long count = 0;
      long bytes = 0;
      long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (count < events) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(java.time.Duration.ofMillis(100));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          bytes += r.value().length;
          count++;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the plain consumer read " + count + " of " + events + " records");
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (bytes <= 0) {
        throw new IllegalStateException("no bytes read");
      }
      return count / seconds;
    }
  }

  /**
   * Baseline: the processor's Redis sink alone, one update per event (what the sink would
   * need if no two events of a user met in one flush), shaped like the processor's: a
   * transaction sets tx_count_5m, a failed login failed_logins_15m, a successful login the
   * three last_* fields; chunks of 500 (SinkBuffer's), one thread.
   */
  private double rawSink(String url, FeatureRegistry sinkRegistry, int runNo) {
    SyntheticEvents generated = new SyntheticEvents(seed + runNo, users, txShare, failedLoginShare, false);
    try (FeatureStore sink = FeatureStore.connect(url, sinkRegistry)) {
      sink.admin().reset();
      List<StreamingUpdate> chunk = new ArrayList<>(500);
      long now = System.currentTimeMillis();
      long start = System.nanoTime();
      for (long n = 0; n < events; n++) {
        Event event = generated.next(now);
        Map<String, Object> values = new HashMap<>();
        if (event instanceof TransactionEvent) {
          values.put("tx_count_5m", 1 + (n & 7));
        } else if (((LoginEvent) event).success()) {
          LoginEvent login = (LoginEvent) event;
          values.put("last_login_ts", login.ts());
          values.put("last_device_id", login.deviceId());
          values.put("session_country", login.country());
        } else {
          values.put("failed_logins_15m", 1 + (n & 3));
        }
        chunk.add(new StreamingUpdate(event.userId(), values, Set.of()));
        if (chunk.size() == 500) {
          sink.streamingWriter().writeStreaming(chunk);
          chunk.clear();
        }
      }
      if (!chunk.isEmpty()) {
        sink.streamingWriter().writeStreaming(chunk);
      }
      double rate = events / ((System.nanoTime() - start) / 1e9);
      sink.admin().reset();
      return rate;
    }
  }

  /**
   * Checks, untimed, a sample of users against the produced events: tx_count_5m,
   * failed_logins_15m (absent = 0), last_login_ts and last_device_id. Returns {checked, mismatches}.
   */
  private int[] verify(String url, FeatureRegistry registry, SyntheticEvents generated) {
    if (verifyUsers <= 0) {
      return new int[] {0, 0};
    }
    int step = Math.max(1, users / verifyUsers);
    int checked = 0;
    int bad = 0;
    try (RedisClient redis = RedisClient.create(url)) {
      for (int i = 0; i < users && checked < verifyUsers; i += step) {
        List<String> v = redis.hmget(registry.keyOf(SyntheticEvents.userId(i)), "tx_count_5m", "failed_logins_15m",
            "last_login_ts", "last_device_id");
        boolean ok = parse(v.get(0)) == generated.expectedTxCount(i)
            && parse(v.get(1)) == generated.expectedFailedLogins(i)
            && parse(v.get(2)) == generated.expectedLastLoginTs(i)
            && java.util.Objects.equals(v.get(3), generated.expectedLastDevice(i));
        if (!ok && bad < 5) {
          spec.commandLine().getErr().printf("mismatch for %s: Redis %s, expected tx %d failed %d last_login_ts %d device %s%n",
              SyntheticEvents.userId(i), v, generated.expectedTxCount(i), generated.expectedFailedLogins(i),
              generated.expectedLastLoginTs(i), generated.expectedLastDevice(i));
        }
        bad += ok ? 0 : 1;
        checked++;
      }
    }
    return new int[] {checked, bad};
  }

  private static long parse(String s) {
    return s == null ? 0 : Long.parseLong(s);
  }

  static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
    return BulkLoadBenchmark.median(runs.stream().mapToDouble(figure).toArray());
  }

  static void delete(Path dir) {
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      System.err.println("warning: cannot delete " + dir + ": " + e.getMessage());
    }
  }

  /** Removes everything under {@code dir} but files ending in {@code suffix} (data dirs, state). */
  static void deleteExcept(Path dir, String suffix) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          if (Files.isDirectory(p)) {
            try (var entries = Files.list(p)) {
              if (entries.findAny().isEmpty()) {
                Files.delete(p);
              }
            }
          } else if (!p.getFileName().toString().endsWith(suffix)) {
            Files.delete(p);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("warning: cannot clean " + dir + ": " + e.getMessage());
    }
  }
}
