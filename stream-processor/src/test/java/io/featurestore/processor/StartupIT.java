package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.KafkaBroker;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * Start-up checks against real brokers and a real Redis: input topics that are not
 * co-partitioned or missing are refused, and local state of another Kafka cluster is wiped.
 * Tests that need topics other than the shared broker's (3 partitions each) start a broker of
 * their own: the topic names are fixed.
 */
@ExtendWith({KafkaExtension.class, RedisExtension.class})
class StartupIT {
  private RedisEndpoint redis;
  private String prefix;
  private String appId;
  private FeatureRegistry registry;
  private RedisClient raw;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @TempDir
  Path stateDir;

  @BeforeEach
  void setUp(RedisEndpoint redis, TestInfo test) {
    this.redis = redis;
    String name = test.getTestMethod().orElseThrow().getName();
    prefix = "it:" + name + ":";
    appId = "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    registry = FeatureRegistry.bundled().withOverrides(prefix, 1000, 60);
    raw = RedisClient.create(redis.url());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    resetRedis();
    raw.close();
  }

  private void resetRedis() {
    try (FeatureStore store = FeatureStore.connect(redis.url(), registry)) {
      store.admin().reset();
    }
  }

  private Map<String, String> env(String bootstrapServers) {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
    env.put("REDIS_URL", redis.url());
    env.put("FS_KEY_PREFIX", prefix);
    env.put("FS_STREAM_TTL_SECONDS", "60");
    env.put("FS_PROCESSOR_APPLICATION_ID", appId);
    env.put("FS_PROCESSOR_STATE_DIR", stateDir.toString());
    env.put("FS_PROCESSOR_METRICS_PORT", "0");
    env.put("FS_HEARTBEAT_TTL_SECONDS", "3");
    return env;
  }

  private KafkaBroker ownBroker() {
    KafkaBroker broker = KafkaBroker.start();
    toClose.add(broker);
    return broker;
  }

  private StreamProcessorApp start(Map<String, String> env) throws Exception {
    StreamProcessorApp app = new StreamProcessorApp(StreamProcessorConfig.fromEnv(env));
    toClose.add(app);
    app.start();
    assertThat(app.awaitRunning(60, TimeUnit.SECONDS)).as("processor running").isTrue();
    return app;
  }

  private void stop(StreamProcessorApp app) {
    app.close();
    toClose.remove(app);
  }

  private KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    toClose.add(producer);
    return producer;
  }

  private void transactions(KafkaProducer<byte[], byte[]> producer, String user, int count) throws Exception {
    EventJson json = new EventJson(registry);
    for (int i = 0; i < count; i++) {
      producer.send(new ProducerRecord<>(Topics.TRANSACTION, user.getBytes(StandardCharsets.UTF_8),
          json.write(new TransactionEvent(user, System.currentTimeMillis(), new BigDecimal("5.00"), "USD", "US", "m1"))))
          .get();
    }
  }

  private static String clusterId(String bootstrapServers) throws Exception {
    try (Admin admin = Admin.create(StartupChecks.adminProperties(bootstrapServers))) {
      return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
    }
  }

  /** The processor as its own OS process, to see what main() prints and how it exits. */
  private ChildProcess launch(Map<String, String> env, Path log) {
    ChildProcess process = ChildProcess.java("stream-processor", List.of("-Xmx256m"),
        List.of("-cp", System.getProperty("java.class.path"), StreamProcessorApp.class.getName()), env, log);
    toClose.add(process);
    return process;
  }


  @Test
  void shouldRefuseToStartWhenInputTopicsAreNotCoPartitioned() throws Exception {
    KafkaBroker broker = ownBroker();
    broker.createTopics(3, Topics.LOGIN, Topics.DLQ);
    broker.createTopics(4, Topics.TRANSACTION);
    ChildProcess process = launch(env(broker.bootstrapServers()), stateDir.resolve("processor.log"));

    assertThat(process.waitFor(Duration.ofSeconds(90))).as("exit status; output:%n%s", process.output()).isEqualTo(2);
    List<String> refusal = process.output().lines().filter(l -> l.contains("not starting")).toList();
    assertThat(refusal).as("one line").hasSize(1);
    assertThat(refusal.get(0)).startsWith("stream-processor: not starting: input topics are not co-partitioned")
        .contains("events.login has 3 partitions", "events.transaction has 4 partitions");
    assertThat(stateDir.resolve(appId).resolve(ClusterIdMarker.FILE_NAME)).as("no state touched").doesNotExist();
  }

  @Test
  void shouldRefuseToStartNamingAnInputTopicThatDoesNotExist() throws Exception {
    KafkaBroker broker = ownBroker();
    broker.createTopics(3, Topics.LOGIN, Topics.DLQ);
    StreamProcessorApp app = new StreamProcessorApp(StreamProcessorConfig.fromEnv(env(broker.bootstrapServers())));
    toClose.add(app);

    assertThatThrownBy(app::start).isInstanceOf(StartupChecks.StartupException.class)
        .hasMessageStartingWith("input topic events.transaction does not exist on Kafka " + broker.bootstrapServers())
        .hasMessageNotContaining("events.login does not exist");
    assertThat(app.state()).as("the stream threads never started").isEqualTo(org.apache.kafka.streams.KafkaStreams.State.CREATED);
  }

  @Test
  void shouldWipeLocalStateWrittenAgainstAnotherKafkaClusterAndServeFreshValues(KafkaEndpoint kafka) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String counted = "wipe-a-" + suffix;
    String onlyThere = "wipe-b-" + suffix;

    // A first run against another cluster leaves RocksDB state and checkpoints in the state dir.
    KafkaBroker other = ownBroker();
    other.createTopics(3, Topics.ALL.toArray(String[]::new));
    String otherId = clusterId(other.bootstrapServers());
    StreamProcessorApp first = start(env(other.bootstrapServers()));
    KafkaProducer<byte[], byte[]> toOther = producer(other.bootstrapServers());
    transactions(toOther, counted, 3);
    transactions(toOther, onlyThere, 2);
    Await.until("counts of the first run in Redis", Duration.ofSeconds(30),
        () -> "3".equals(raw.hget(prefix + counted, "tx_count_5m")) && "2".equals(raw.hget(prefix + onlyThere, "tx_count_5m")));
    stop(first);
    ClusterIdMarker marker = new ClusterIdMarker(stateDir, appId);
    assertThat(marker.read()).contains(otherId);
    assertThat(marker.hasState()).isTrue();
    resetRedis();

    // The same state dir and application id against the test run's broker: another cluster.
    KafkaExtension.createTopics(kafka, 3, Topics.ALL.toArray(String[]::new));
    String currentId = clusterId(kafka.bootstrapServers());
    assertThat(currentId).isNotEqualTo(otherId);
    Logger logger = (Logger) LoggerFactory.getLogger(StartupChecks.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      start(env(kafka.bootstrapServers()));
      transactions(producer(kafka.bootstrapServers()), counted, 1);

      Await.until("the fresh count", Duration.ofSeconds(30), () -> "1".equals(raw.hget(prefix + counted, "tx_count_5m")));
      assertThat(raw.hget(prefix + onlyThere, "tx_count_5m")).as("no count of the other cluster's run").isNull();
      List<String> wiped = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("wiping")).toList();
      assertThat(wiped).hasSize(1);
      assertThat(wiped.get(0)).contains("'" + otherId + "'", "'" + currentId + "'", marker.appDir().toString());
      assertThat(marker.read()).contains(currentId);
    } finally {
      logger.detachAppender(logs);
    }
  }
}
