package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.Heartbeat;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.infra.junit.RedisEndpoint;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.RedisClient;

/**
 * What the processor's integration tests share: topics on the real broker, a key prefix and an
 * application id of the test's own, a producer of events, a raw Redis client to look with, the
 * processor's environment, and clean-up of everything the test started.
 */
final class ProcessorTestBed implements AutoCloseable {
  final KafkaEndpoint kafka;
  final RedisEndpoint redis;
  final String prefix;
  final String appId;
  final FeatureRegistry registry;
  final EventJson json;
  final RedisClient raw;
  final KafkaProducer<byte[], byte[]> producer;
  final Path stateDir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  ProcessorTestBed(KafkaEndpoint kafka, RedisEndpoint redis, TestInfo test, Path stateDir, int partitions) {
    this.kafka = kafka;
    this.redis = redis;
    this.stateDir = stateDir;
    KafkaExtension.createTopics(kafka, partitions, Topics.ALL.toArray(String[]::new));
    String name = test.getTestMethod().orElseThrow().getName();
    prefix = "it:" + name + ":";
    appId = "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    registry = FeatureRegistry.bundled().withOverrides(prefix, 1000, 60);
    json = new EventJson(registry);
    raw = RedisClient.create(redis.url());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The processor's environment for this test: its prefix, app id and state directory, metrics port off. */
  Map<String, String> env(long streamTtlSeconds) {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("REDIS_URL", redis.url());
    env.put("FS_KEY_PREFIX", prefix);
    env.put("FS_STREAM_TTL_SECONDS", Long.toString(streamTtlSeconds));
    env.put("FS_PROCESSOR_APPLICATION_ID", appId);
    env.put("FS_PROCESSOR_STATE_DIR", stateDir.toString());
    env.put("FS_PROCESSOR_METRICS_PORT", "0");
    env.put("FS_HEARTBEAT_TTL_SECONDS", "3");
    return env;
  }

  /** Starts the processor in this JVM and waits until it runs; closed with the test bed unless {@link #stop}ped. */
  StreamProcessorApp start(Map<String, String> env) {
    StreamProcessorApp app = new StreamProcessorApp(StreamProcessorConfig.fromEnv(env));
    toClose.add(app);
    try {
      app.start();
      assertThat(app.awaitRunning(60, TimeUnit.SECONDS)).as("processor running").isTrue();
    } catch (Exception e) {
      throw new AssertionError("the processor did not start", e);
    }
    return app;
  }

  /** Stops a processor cleanly (SIGTERM's path). */
  void stop(StreamProcessorApp app) {
    toClose.remove(app);
    app.close();
  }

  /** Closes {@code resource} with the test bed, after everything added later. */
  <T extends AutoCloseable> T closeLater(T resource) {
    toClose.add(resource);
    return resource;
  }

  void send(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value)).get();
    } catch (Exception e) {
      throw new AssertionError("produce to " + topic + " failed", e);
    }
  }

  void transaction(String user, long ts) {
    send(Topics.TRANSACTION, user, json.write(new TransactionEvent(user, ts, new BigDecimal("25.00"), "USD", "US", "m001")));
  }

  void login(String user, long ts, boolean success, String device) {
    send(Topics.LOGIN, user, json.write(new LoginEvent(user, ts, device, "DE", success)));
  }

  String key(String user) {
    return prefix + user;
  }

  List<Heartbeat> heartbeats() {
    try (FeatureStore store = FeatureStore.connect(redis.url(), registry)) {
      return store.reader().processorHeartbeats();
    }
  }

  @Override
  public void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    producer.close();
    try (FeatureStore store = FeatureStore.connect(redis.url(), registry)) {
      store.admin().reset();
    }
    raw.close();
  }
}
