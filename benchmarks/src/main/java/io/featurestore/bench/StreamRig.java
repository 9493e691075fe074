package io.featurestore.bench;

import io.featurestore.events.Topics;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.KafkaBrokerMain;
import io.featurestore.processor.StreamProcessorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A fresh KRaft broker ({@code KafkaBrokerMain}) and the real stream processor ({@code java -jar}),
 * each its own process so that their CPU is measured apart, and an admin client on the broker.
 */
final class StreamRig implements AutoCloseable {
  final String bootstrapServers;
  final ChildProcess broker;
  final Admin admin;
  private final Options.Stream options;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  /** The processor, or the first of its instances. */
  ChildProcess processor;
  final List<ChildProcess> processors = new ArrayList<>();
  String applicationId;
  private final List<Integer> metricsPorts = new ArrayList<>();

  /** {@code groupJoinDelayMs}: a new group's first rebalance waits that long for more members (instances started together). */
  StreamRig(Options.Stream options, Path dir, int groupJoinDelayMs) {
    this.options = options;
    this.dir = dir;
    int port = FreePorts.next();
    int controllerPort = FreePorts.next();
    while (controllerPort == port) {
      controllerPort = FreePorts.next();
    }
    this.bootstrapServers = "127.0.0.1:" + port;
    this.broker = ChildProcess.java("kafka-broker", List.of(), List.of("-cp",
        System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(), "--port", Integer.toString(port),
        "--controller-port", Integer.toString(controllerPort), "--data-dir", dir.resolve("kafka").toString(),
        "--topics", String.join(",", Topics.ALL), "--partitions", Long.toString(options.partitions),
        "--group-join-delay-ms", Integer.toString(groupJoinDelayMs)), Map.of(),
        dir.resolve("broker.log"));
    try {
      broker.awaitOutput("Kafka broker ready", Duration.ofSeconds(90));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
  }

  static Path processorJar(Path configured) {
    return Options.jar(configured, "stream-processor", "--processor-jar");
  }

  /**
   * Starts the processor's {@code n} instances on this broker and {@code redisUrl}, keys under
   * {@code keyPrefix}, with the registry {@code registryFile} (null: the processor's bundled one),
   * one fresh application id (one consumer group that shares the partitions)
   * and, as {@code ./stack scale} does, a state dir, metrics port and log each; {@code --processor-env}
   * wins over these settings, all of which the processor's own parser checks first. Returns at once:
   * see {@link #awaitRunning()}. The instances of an earlier call must have been stopped.
   */
  void startProcessor(String redisUrl, String keyPrefix, Path registryFile, String name, int n) {
    processors.clear();
    metricsPorts.clear();
    applicationId = "bench-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    for (int k = 1; k <= n; k++) {
      String suffix = n == 1 ? "" : "-" + k + "-of-" + n;
      Map<String, String> env = new LinkedHashMap<>();
      env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
      env.put("REDIS_URL", redisUrl);
      env.put("FS_KEY_PREFIX", keyPrefix);
      if (registryFile != null) {
        env.put("FS_REGISTRY_FILE", registryFile.toString());
      }
      env.put("FS_PROCESSOR_APPLICATION_ID", applicationId);
      env.put("FS_PROCESSOR_STATE_DIR", dir.resolve("state" + suffix).toString());
      env.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(FreePorts.next()));
      env.putAll(options.processorEnv);
      StreamProcessorConfig.fromEnv(env);
      applicationId = env.get("FS_PROCESSOR_APPLICATION_ID");
      metricsPorts.add(Integer.parseInt(env.get("FS_PROCESSOR_METRICS_PORT")));
      processors.add(ChildProcess.jar("stream-processor" + suffix, Options.split(options.processorJavaOpts),
          processorJar(options.processorJar), List.of(), env, dir.resolve("processor" + suffix + ".log")));
    }
    processor = processors.get(0);
  }

  /**
   * Waits until every instance is RUNNING and their tasks own each input partition once, none idle
   * (each /health polled every 5 ms); returns the System.nanoTime() it was first seen so.
   */
  long awaitRunning() {
    List<String> all = inputPartitions().stream().map(TopicPartition::toString).sorted().toList();
    processor.await("the stream processor to be RUNNING, its instances sharing every partition", Duration.ofSeconds(180),
        Duration.ofMillis(5), () -> {
          List<String> health = metricsPorts.stream().map(port -> get(port, "/health")).toList();
          return health.stream().allMatch(h -> h.contains("\"state\":\"RUNNING\"") && !partitions(h).isEmpty())
              && health.stream().flatMap(h -> partitions(h).stream()).sorted().toList().equals(all);
        });
    return System.nanoTime();
  }

  /** The metrics of instance {@code k} (0 = the first). */
  PrometheusText metrics(int k) {
    return PrometheusText.parse(get(metricsPorts.get(k), "/metrics"));
  }

  /** The input partitions instance {@code k}'s tasks own now ({@code events.login-0}, …), from its /health. */
  List<String> partitions(int k) {
    return partitions(get(metricsPorts.get(k), "/health"));
  }

  private static List<String> partitions(String health) {
    int at = health.indexOf("\"partitions\":[") + 14;
    return at < 14 || health.charAt(at) == ']' ? List.of()
        : List.of(health.substring(at, health.indexOf(']', at)).replace("\"", "").split(","));
  }

  private String get(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException("the stream processor's " + path + " did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The processor's CPU seconds by thread group: its stream threads (named after the application id), Kafka clients, GC, JIT. */
  Map<String, Double> processorThreadCpu() {
    Map<String, Double> groups = new TreeMap<>();
    processors.forEach(instance -> instance.threadCpuSeconds().forEach((thread, cpu) -> groups.merge(
        thread.startsWith(applicationId.substring(0, Math.min(15, applicationId.length()))) ? "streams"
            : thread.matches("kafka-(producer|coordinat|admin).*") ? "kafka-clients"
            : thread.startsWith("GC Thread") || thread.startsWith("G1 ") ? "gc"
            : thread.matches("C[12] Compiler.*") ? "jit" : "other", cpu, Double::sum)));
    return groups;
  }

  List<TopicPartition> inputPartitions() {
    List<TopicPartition> out = new ArrayList<>();
    for (String topic : List.of(Topics.LOGIN, Topics.TRANSACTION)) {
      for (int p = 0; p < options.partitions; p++) {
        out.add(new TopicPartition(topic, p));
      }
    }
    return out;
  }

  long endOffsets() {
    return endOffsets(inputPartitions());
  }

  private long endOffsets(List<TopicPartition> partitions) {
    Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
    partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
    return answer(admin.listOffsets(request).all()).values().stream().mapToLong(i -> i.offset()).sum();
  }

  /** Offsets committed by the processor's group on the input partitions, summed. */
  long committed() {
    return committed(inputPartitions());
  }

  private long committed(List<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = answer(admin.listConsumerGroupOffsets(applicationId)
        .partitionsToOffsetAndMetadata());
    return partitions.stream().map(offsets::get).mapToLong(o -> o == null ? 0 : o.offset()).sum();
  }

  /**
   * Records of the application's repartition topics (the events of entities not keyed by user_id,
   * e.g. the merchant's) that its group has not committed yet; 0 when it has none.
   */
  long repartitionLag() {
    List<String> topics = answer(admin.listTopics().names()).stream()
        .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-repartition")).toList();
    List<TopicPartition> partitions = new ArrayList<>();
    answer(admin.describeTopics(topics).allTopicNames()).values().forEach(topic -> topic.partitions()
        .forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition()))));
    return partitions.isEmpty() ? 0 : endOffsets(partitions) - committed(partitions);
  }

  private static <T> T answer(KafkaFuture<T> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the broker did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Records of the input topics not yet committed by the processor, -1 when unknown. */
  long lag() {
    try {
      return endOffsets() - committed();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static void describe(PrintWriter out, BenchRedis redis, Options.Stream options, String keyPrefix, boolean freshPerRun) {
    String javaOpts = options.processorJavaOpts;
    Map<String, String> overrides = options.processorEnv;
    out.printf("redis     : %s%n", redis.describe());
    out.printf("kafka     : %s, own process (KafkaBrokerMain), %d partitions per topic%n",
        freshPerRun ? "a fresh single-node KRaft broker per run" : "single-node KRaft broker", options.partitions);
    out.printf("processor : java %s-jar %s, own process, %sprefix %s%s%n", javaOpts.isBlank() ? "" : javaOpts + " ",
        processorJar(options.processorJar), freshPerRun ? "fresh application id per run, " : "", keyPrefix,
        overrides.isEmpty() ? " (its default settings: flush every 100 ms, 1 stream thread)" : ", " + overrides);
  }

  @Override
  public void close() {
    Workspace.closeAll(new PrintWriter(System.err, true),
        Stream.concat(processors.stream(), Stream.of(admin, broker)).toArray(AutoCloseable[]::new));
  }
}
