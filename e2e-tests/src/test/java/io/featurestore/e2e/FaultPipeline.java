package io.featurestore.e2e;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.FeatureVector;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.ProjectScripts;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisServer;
import io.featurestore.population.Population;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The whole streaming path as separate OS processes, each of which a fault can hit on its
 * own: a KRaft broker ({@code local-infra.jar}, the one {@code ./stack} runs) with its data dir
 * kept across restarts, a {@code redis-server} (local-infra's {@link RedisServer}) that keeps
 * its data set across a restart or not, the stream processor ({@code stream-processor.jar})
 * with its state dir kept across restarts, and the event simulator ({@code event-simulator.jar
 * run}) at a steady rate. Ports are free ones and stay the same across restarts, data lives in
 * a temp dir, logs in {@code e2e-tests/target/fault-suite/}.
 *
 * <p>Several processor instances can run at once (same application id, so they share the
 * partitions), each its own process with its own state dir and metrics port; instance 1 is the
 * one the single-processor methods mean.
 */
final class FaultPipeline implements AutoCloseable {
  /** Partitions of each topic unless a scenario asks for more; what {@code ./stack} and docker-compose create. */
  static final int DEFAULT_PARTITIONS = 3;
  private static final List<String> INPUT_TOPICS = List.of(Topics.LOGIN, Topics.TRANSACTION);
  private static final List<String> STREAMING_COUNTS = List.of("tx_count_5m", "failed_logins_15m", "last_login_ts");
  /** A count read at T may be the reference count of any moment this close to T (the contract's update interval). */
  static final Duration TOLERANCE = Duration.ofSeconds(1);
  private static final Pattern SENT = Pattern.compile("^sent (\\d+) events");
  private static final Pattern UNACKED = Pattern.compile("(\\d+) not acknowledged");

  private final Path root = ProjectScripts.root();
  private final String name;
  private final Path logs;
  private final Path kafkaData;
  private final Path stateDir;
  private final Path redisDir;
  private final boolean redisKeepsData;
  private final int kafkaPort = FreePorts.next();
  private final int controllerPort = distinctPort(kafkaPort);
  private final int redisPort = FreePorts.next();
  private final Path redisBinary = RedisBinary.locate();
  private final String applicationId;
  private final FeatureRegistry registry = FeatureRegistry.bundled();
  private final EventJson json = new EventJson(registry);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final Map<String, Integer> probesSent = new HashMap<>();
  private final int partitions;
  private final Map<String, String> processorSettings = new LinkedHashMap<>();

  private ChildProcess broker;
  private RedisServer redis;
  private final Map<Integer, ChildProcess> processors = new TreeMap<>();
  private final Map<Integer, Integer> processorMetricsPorts = new HashMap<>();
  private ChildProcess simulator;
  private Admin admin;
  private KafkaProducer<String, byte[]> probeProducer;
  private int starts;
  private final long createdAt = System.nanoTime();

  /**
   * @param redisKeepsData true: Redis keeps its data set in an append-only file across a
   *                       restart; false: it restarts empty, as {@code ./stack} and
   *                       docker-compose run it
   */
  FaultPipeline(String name, Path dataDir, boolean redisKeepsData) throws IOException {
    this(name, dataDir, redisKeepsData, DEFAULT_PARTITIONS);
  }

  /** @param partitions partitions of each topic, created on the broker's first start */
  FaultPipeline(String name, Path dataDir, boolean redisKeepsData, int partitions) throws IOException {
    this.name = name;
    this.partitions = partitions;
    this.logs = root.resolve("e2e-tests/target/fault-suite").resolve(name);
    this.kafkaData = dataDir.resolve("kafka");
    this.stateDir = dataDir.resolve("processor-state");
    this.redisDir = dataDir.resolve("redis");
    this.redisKeepsData = redisKeepsData;
    this.applicationId = "fault-suite-" + name;
    Files.createDirectories(logs);
  }

  private static int distinctPort(int other) {
    int port = FreePorts.next();
    while (port == other) {
      port = FreePorts.next();
    }
    return port;
  }

  String bootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  // ---------------------------------------------------------------- the processes

  /** Starts the broker (creating the topics on its first start) and waits for its ready line. */
  void startBroker() {
    broker = ChildProcess.jar("kafka-broker", List.of("-Xmx512m"), jar("local-infra"), List.of(
        "--port", Integer.toString(kafkaPort), "--controller-port", Integer.toString(controllerPort),
        "--data-dir", kafkaData.toString(), "--topics", String.join(",", Topics.ALL),
        "--partitions", Integer.toString(partitions)), Map.of(), nextLog("kafka-broker"));
    await("the Kafka broker's ready line", Duration.ofSeconds(90), broker,
        () -> broker.output().contains("Kafka broker ready"));
    if (admin == null) {
      admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000));
    }
  }

  /** A clean stop (SIGTERM): the broker flushes its logs and leaves its data dir for the next start. */
  void stopBroker() {
    broker.stop(Duration.ofSeconds(60));
  }

  void startRedis() {
    redis = redisKeepsData ? RedisServer.startPersistent(redisBinary, redisPort, redisDir)
        : RedisServer.start(redisBinary, redisPort);
  }

  /** SIGTERM: Redis writes out its append-only file if it keeps one; otherwise its data set is gone. */
  void stopRedis() {
    redis.close();
  }

  String redisUrl() {
    return "redis://127.0.0.1:" + redisPort;
  }

  /** A processor setting (environment variable) for every processor launched from now on. */
  void processorSetting(String variable, String value) {
    processorSettings.put(variable, value);
  }

  /** Starts processor instance 1's JVM; returns once its process runs (not once Kafka Streams is RUNNING). */
  void launchProcessor() {
    launchProcessor(1);
  }

  /**
   * Starts processor instance {@code instance}: the same application id as every other (so they
   * share the partitions), its own state dir (kept across its restarts) and metrics port.
   */
  void launchProcessor(int instance) {
    int metricsPort = FreePorts.next();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
    env.put("REDIS_URL", redisUrl());
    env.put("FS_PROCESSOR_APPLICATION_ID", applicationId);
    env.put("FS_PROCESSOR_STATE_DIR", (instance == 1 ? stateDir : stateDir.resolveSibling(stateDir.getFileName()
        + "-" + instance)).toString());
    env.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(metricsPort));
    env.putAll(processorSettings);
    String process = instance == 1 ? "stream-processor" : "stream-processor-" + instance;
    processorMetricsPorts.put(instance, metricsPort);
    processors.put(instance, ChildProcess.jar(process, List.of("-Xmx512m"), jar("stream-processor"), List.of(), env,
        nextLog(process)));
  }

  void awaitProcessorRunning(Duration timeout) {
    awaitProcessorRunning(1, timeout);
  }

  void awaitProcessorRunning(int instance, Duration timeout) {
    await("stream processor " + instance + "'s /health to say RUNNING", timeout, processor(instance),
        () -> processorHealth(instance).contains("\"state\":\"RUNNING\""));
  }

  /** kill -9 of processor instance 1: no clean close, no final flush or commit. */
  void killProcessor() {
    killProcessor(1);
  }

  void killProcessor(int instance) {
    processor(instance).kill();
  }

  ChildProcess processor() {
    return processor(1);
  }

  ChildProcess processor(int instance) {
    ChildProcess process = processors.get(instance);
    if (process == null) {
      throw new IllegalStateException("no processor instance " + instance + " was launched");
    }
    return process;
  }

  int partitions() {
    return partitions;
  }

  /** Starts {@code event-simulator.jar run} and waits for its "Producing" line. */
  void startSimulator(int users, double rate) {
    simulator = ChildProcess.jar("event-simulator", List.of("-Xmx256m"), jar("event-simulator"), List.of("run",
        "--users", Integer.toString(users), "--rate", Double.toString(rate), "--seed", "42",
        "--bootstrap-servers", bootstrapServers()), Map.of(), nextLog("event-simulator"));
    await("the simulator's Producing line", Duration.ofSeconds(60), simulator,
        () -> simulator.output().contains("Producing to"));
  }

  /** SIGTERM: the simulator flushes what is in flight and prints its summary; returns that line. */
  String stopSimulator() {
    simulator.requireAlive();
    int exit = simulator.stop(Duration.ofSeconds(90));
    String summary = simulator.output().lines().filter(l -> l.startsWith("sent ")).reduce((a, b) -> b).orElse("");
    // 143 = ended by SIGTERM, which is how a JVM that ran its shutdown hook reports it.
    if ((exit != 0 && exit != 143) || summary.isEmpty()) {
      throw new IllegalStateException("the simulator exited with " + exit + "; " + simulator.log() + " ends with:\n"
          + simulator.outputTail(3000));
    }
    return summary;
  }

  /**
   * The end of a scenario: the simulator produces {@code records} more while processor 1 stays
   * up, then stops; returns its summary once the quiet moment ({@link #awaitQuiet}) has come.
   */
  String stopSimulatorAfter(long records, Duration quietTimeout) {
    awaitProduced(produced().orElseThrow() + records, Duration.ofSeconds(60));
    processor().requireAlive();
    String summary = stopSimulator();
    note("simulator stopped: " + summary);
    awaitQuiet(quietTimeout);
    note("quiet: every input record committed");
    return summary;
  }

  /** Events the broker acknowledged, from the simulator's summary line. */
  static long acknowledged(String summary) {
    return number(SENT, summary);
  }

  /** Events the simulator could not deliver, from its summary line. */
  static long unacknowledged(String summary) {
    return number(UNACKED, summary);
  }

  private static long number(Pattern pattern, String summary) {
    Matcher m = pattern.matcher(summary);
    if (!m.find()) {
      throw new IllegalStateException("unexpected simulator summary: " + summary);
    }
    return Long.parseLong(m.group(1));
  }

  private Path jar(String module) {
    Path jar = root.resolve(module).resolve("target").resolve(module + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + "; build the jars first: mvn -q install -DskipTests");
    }
    return jar;
  }

  private Path nextLog(String process) {
    return logs.resolve(String.format("%02d-%s.log", ++starts, process));
  }

  private String processorHealth(int instance) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + processorMetricsPorts.get(instance) + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // ---------------------------------------------------------------- what Kafka says

  /** Records in the input topics now, or empty while the broker does not answer. */
  OptionalLong produced() {
    return sum(endOffsets());
  }

  /** Input records whose offsets the processor has committed (so their effects are in Redis), or empty. */
  OptionalLong processed() {
    return sum(committedOffsets());
  }

  /** Records in the dead-letter topic. */
  long deadLetters() {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(Topics.DLQ, p), OffsetSpec.latest());
    }
    return answer(admin.listOffsets(latest).all()).orElseThrow(() -> new IllegalStateException(
        "cannot read the end offsets of " + Topics.DLQ)).values().stream().mapToLong(info -> info.offset()).sum();
  }

  private Optional<Map<TopicPartition, Long>> endOffsets() {
    return endOffsets(inputPartitions());
  }

  private Optional<Map<TopicPartition, Long>> endOffsets(List<TopicPartition> partitions) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartition partition : partitions) {
      latest.put(partition, OffsetSpec.latest());
    }
    return answer(admin.listOffsets(latest).all()).map(offsets -> offsets.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
  }

  private Optional<Map<TopicPartition, Long>> committedOffsets() {
    return committedOffsets(inputPartitions());
  }

  private Optional<Map<TopicPartition, Long>> committedOffsets(List<TopicPartition> partitions) {
    return answer(admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()).map(committed -> {
      Map<TopicPartition, Long> out = new HashMap<>();
      for (TopicPartition partition : partitions) {
        OffsetAndMetadata offset = committed.get(partition);
        out.put(partition, offset == null ? 0L : offset.offset());
      }
      return out;
    });
  }

  /** The broker's answer, or empty when it does not give one in time (it is restarting); callers poll again. */
  private static <T> Optional<T> answer(KafkaFuture<T> future) {
    try {
      return Optional.of(future.get(5, TimeUnit.SECONDS));
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the broker", e);
    }
  }

  /** Every input partition, {@code events.login-0} … {@code events.transaction-N}. */
  List<TopicPartition> inputPartitions() {
    List<TopicPartition> all = new ArrayList<>();
    for (String topic : INPUT_TOPICS) {
      for (int p = 0; p < partitions; p++) {
        all.add(new TopicPartition(topic, p));
      }
    }
    return all;
  }

  private static OptionalLong sum(Optional<Map<TopicPartition, Long>> offsets) {
    return offsets.map(o -> OptionalLong.of(o.values().stream().mapToLong(Long::longValue).sum()))
        .orElse(OptionalLong.empty());
  }

  /** Waits until the input topics hold at least {@code records}; the simulator must keep running. */
  void awaitProduced(long records, Duration timeout) {
    await(records + " records in the input topics", timeout, simulator,
        () -> produced().orElse(-1) >= records);
  }

  /** Waits until the processor has committed at least {@code records} input records. */
  void awaitProcessed(long records, Duration timeout) {
    await(records + " input records processed", timeout, processor(), () -> processed().orElse(-1) >= records);
  }

  /** Waits until the processor's committed offsets trail the topics by at most {@code records}. */
  void awaitLagBelow(long records, Duration timeout) {
    await("the processor to trail the input by at most " + records + " records", timeout, processor(), () -> {
      OptionalLong produced = produced();
      OptionalLong processed = processed();
      return produced.isPresent() && processed.isPresent() && produced.getAsLong() - processed.getAsLong() <= records;
    });
  }

  /**
   * The quiet moment the comparison needs: the simulator has stopped and the processor has
   * committed every input record and every record of the merchant's repartition topic, partition
   * by partition. It commits only after the writes those records caused are in Redis, so Redis
   * now reflects every event, for users and merchants.
   */
  void awaitQuiet(Duration timeout) {
    List<TopicPartition> all = new ArrayList<>(inputPartitions());
    for (int p = 0; p < partitions; p++) {
      all.add(new TopicPartition(applicationId + "-merchant-by-merchant_id-repartition", p));
    }
    await("the processor to commit every input and repartition record", timeout, processor(), () -> {
      Optional<Map<TopicPartition, Long>> end = endOffsets(all);
      return end.isPresent() && committedOffsets(all).equals(end);
    });
  }

  // ---------------------------------------------------------------- probes

  /**
   * One fresh transaction for a probe user on each partition (users outside the simulator's
   * range), sent now; returns {@code System.nanoTime()} when every one of them is served from
   * Redis. The probes stay in the topics, so the reference counts them like any event.
   */
  long probeEveryPartition(Duration timeout) {
    if (probeProducer == null) {
      probeProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
          ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
          ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000), new StringSerializer(), new ByteArraySerializer());
    }
    Map<String, Integer> expected = new LinkedHashMap<>();
    for (String user : probeUsers()) {
      TransactionEvent probe = new TransactionEvent(user, System.currentTimeMillis(), new BigDecimal("1.00"), "USD", "US",
          "m001");
      probeProducer.send(new ProducerRecord<>(Topics.TRANSACTION, user, json.write(probe)));
      expected.put(user, probesSent.merge(user, 1, Integer::sum));
    }
    probeProducer.flush();
    try (FeatureStore store = FeatureStore.connect(redisUrl(), registry)) {
      await("probes on every partition served", timeout, processor(), () -> {
        List<FeatureVector> read = store.reader().getBatch(List.copyOf(expected.keySet()), List.of("tx_count_5m"), false);
        return read.stream().allMatch(v -> Long.valueOf(expected.get(v.entityId())).equals(v.values().get("tx_count_5m")));
      });
    }
    return System.nanoTime();
  }

  /** Users {@code p1, p2, …}: the first one whose key lands on each partition. */
  List<String> probeUsers() {
    String[] byPartition = new String[partitions];
    int found = 0;
    for (int i = 1; found < partitions; i++) {
      String user = "p" + i;
      int partition = Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % partitions;
      if (byPartition[partition] == null) {
        byPartition[partition] = user;
        found++;
      }
    }
    return List.of(byPartition);
  }

  // ---------------------------------------------------------------- reading back

  InputEvents readInput() {
    return InputEvents.read(bootstrapServers(), json, Duration.ofSeconds(60));
  }

  /**
   * The streaming features of every user the input names and of the simulator's {@code
   * simulatedUsers}, as the serving path reads them, against the reference from {@code input}
   * at any moment of the read widened by {@link #TOLERANCE}.
   *
   * @param checkLastLogin see {@link Comparison#of}
   */
  Comparison compareUsers(InputEvents input, int simulatedUsers, boolean checkLastLogin) {
    Set<String> users = new TreeSet<>(input.users());
    for (int i = 1; i <= simulatedUsers; i++) {
      users.add(Population.userId(i));
    }
    long readStart = System.currentTimeMillis();
    Map<String, FeatureVector> observed = readFeatures(users);
    long readEnd = System.currentTimeMillis();
    return Comparison.of(input, users, observed, readStart - TOLERANCE.toMillis(), readEnd + TOLERANCE.toMillis(),
        checkLastLogin);
  }

  /** Every merchant's streaming count in {@code input} against the reference, read and judged the same way. */
  Comparison compareMerchants(InputEvents input) {
    long readStart = System.currentTimeMillis();
    Map<String, FeatureVector> observed = readMerchantFeatures(input.merchants());
    return Comparison.ofMerchants(input, observed, readStart - TOLERANCE.toMillis(),
        System.currentTimeMillis() + TOLERANCE.toMillis());
  }

  /** The streaming fields of {@code users} as the serving path reads them (pipelined HMGET). */
  private Map<String, FeatureVector> readFeatures(Collection<String> users) {
    Map<String, FeatureVector> out = new HashMap<>();
    List<String> all = List.copyOf(users);
    try (FeatureStore store = FeatureStore.connect(redisUrl(), registry)) {
      for (int from = 0; from < all.size(); from += 1000) {
        for (FeatureVector v : store.reader().getBatch(all.subList(from, Math.min(all.size(), from + 1000)), STREAMING_COUNTS, false)) {
          out.put(v.entityId(), v);
        }
      }
    }
    return out;
  }

  /** The merchants' streaming count as the serving path reads it (pipelined HMGET). */
  private Map<String, FeatureVector> readMerchantFeatures(Collection<String> merchants) {
    Map<String, FeatureVector> out = new HashMap<>();
    List<String> all = List.copyOf(merchants);
    try (FeatureStore store = FeatureStore.connect(redisUrl(), registry.forEntity("merchant"))) {
      for (int from = 0; from < all.size(); from += 1000) {
        for (FeatureVector v : store.reader().getBatch(all.subList(from, Math.min(all.size(), from + 1000)),
            List.of(InputEvents.MERCHANT_COUNT), false)) {
          out.put(v.entityId(), v);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- waiting

  /** One progress line on stdout: the time into the scenario, what happened, and the offsets at that moment. */
  void note(String what) {
    System.out.printf(java.util.Locale.ROOT, "[%s +%.1f s] %s (produced %s, processed %s)%n", name,
        (System.nanoTime() - createdAt) / 1e9, what, text(produced()), text(processed()));
  }

  private static String text(OptionalLong value) {
    return value.isPresent() ? String.format(java.util.Locale.ROOT, "%,d", value.getAsLong()) : "?";
  }

  /** Waits until {@code condition} holds; fails at once if {@code mustLive} exits meanwhile. */
  void await(String what, Duration timeout, ChildProcess mustLive, BooleanSupplier condition) {
    try {
      mustLive.await(what, timeout, condition);
    } catch (IllegalStateException e) {
      throw new AssertionError(name + ": " + e.getMessage() + diagnostics(), e);
    }
  }

  /** Where things stand, for a failure message: offsets and the end of each live process's log. */
  String diagnostics() {
    StringBuilder out = new StringBuilder("\n  produced ").append(produced()).append(", processed ").append(processed())
        .append("; logs in ").append(logs);
    List<ChildProcess> children = new ArrayList<>(processors.values());
    children.add(simulator);
    children.add(broker);
    for (ChildProcess child : children) {
      if (child != null) {
        out.append("\n--- ").append(child.log().getFileName()).append(" ---\n").append(child.outputTail(2000));
      }
    }
    return out.toString();
  }

  @Override
  public void close() {
    AutoCloseable producer = probeProducer == null ? null : () -> probeProducer.close(Duration.ofSeconds(5));
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(simulator);
    resources.addAll(processors.values());
    resources.addAll(java.util.Arrays.asList(producer, admin, broker, redis));
    for (AutoCloseable resource : resources) {
      if (resource != null) {
        try {
          resource.close();
        } catch (Exception e) {
          System.err.println("warning: " + name + ": closing " + resource + " failed: " + e);
        }
      }
    }
  }
}
