package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.Heartbeat;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/** The stream processor against a real KRaft broker and a real Redis. */
@ExtendWith({KafkaExtension.class, RedisExtension.class})
class StreamProcessorIT {
  private ProcessorTestBed bed;
  private RedisEndpoint redis;
  private RedisClient raw;
  private KafkaProducer<byte[], byte[]> producer;
  private FeatureRegistry registry;
  private EventJson json;

  @TempDir
  Path stateDir;

  @BeforeEach
  void setUp(KafkaEndpoint kafka, RedisEndpoint redis, TestInfo test) {
    bed = new ProcessorTestBed(kafka, redis, test, stateDir, 3);
    this.redis = redis;
    raw = bed.raw;
    producer = bed.producer;
    registry = bed.registry;
    json = bed.json;
  }

  @AfterEach
  void tearDown() throws Exception {
    bed.close();
  }

  private Map<String, String> env(long streamTtlSeconds) {
    return bed.env(streamTtlSeconds);
  }

  private StreamProcessorApp start(Map<String, String> env) {
    return bed.start(env);
  }

  private void send(String topic, String key, byte[] value) {
    bed.send(topic, key, value);
  }

  private void transaction(String user, long ts) {
    bed.transaction(user, ts);
  }

  private void login(String user, long ts, boolean success, String device) {
    bed.login(user, ts, success, device);
  }

  private String key(String user) {
    return bed.key(user);
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(what, timeout, condition);
  }

  private void loadBatch(String user) {
    try (FeatureStore store = FeatureStore.connect(redis.url(), registry)) {
      store.bulkLoader().bulkLoad(List.of(new EntityRow(user, Map.of("risk_segment", "low", "tx_count_7d", "4"))).iterator(),
          1000, 100, 1, n -> { });
    }
    raw.expire(key(user), 500);
  }

  @Test
  void shouldTurnProducedEventsIntoFeaturesWithFieldTtlsAndLeaveBatchFieldsAlone() throws Exception {
    loadBatch("u0001");
    long keyExpiry = raw.pexpireTime(key("u0001"));
    start(env(60));
    long now = System.currentTimeMillis();
    transaction("u0001", now - 1000);
    transaction("u0001", now);
    login("u0001", now - 500, false, "x");
    login("u0001", now, true, "ios-9f02");

    await("streaming features in Redis", Duration.ofSeconds(10), () -> "2".equals(raw.hget(key("u0001"), "tx_count_5m"))
        && "ios-9f02".equals(raw.hget(key("u0001"), "last_device_id")));
    assertThat(raw.hget(key("u0001"), "failed_logins_15m")).isEqualTo("1");
    assertThat(raw.hget(key("u0001"), "session_country")).isEqualTo("DE");
    assertThat(raw.hget(key("u0001"), "last_login_ts")).isEqualTo(Long.toString(now));
    assertThat(raw.httl(key("u0001"), "tx_count_5m", "failed_logins_15m", "last_login_ts", "last_device_id", "session_country"))
        .allSatisfy(ttl -> assertThat(ttl).isBetween(1L, 60L));
    assertThat(raw.hget(key("u0001"), "risk_segment")).isEqualTo("low");
    assertThat(raw.httl(key("u0001"), "risk_segment").get(0)).isEqualTo(-1L);
    assertThat(raw.pexpireTime(key("u0001"))).as("key TTL untouched").isEqualTo(keyExpiry);

    await("a heartbeat of a running processor that has seen the newest event", Duration.ofSeconds(10),
        () -> heartbeats().stream().anyMatch(b -> b.state().equals("RUNNING") && b.lastEventTsMs() >= now));
    Heartbeat beat = heartbeats().get(0);
    long readAt = System.currentTimeMillis();
    assertThat(beat.eventsTotal()).isGreaterThanOrEqualTo(4);
    assertThat(beat.writtenAtMs()).as("written after the events, before this read").isBetween(now, readAt);
    assertThat(beat.partitions()).as("the only instance owns every input partition").containsExactly(
        Topics.LOGIN + "-0", Topics.LOGIN + "-1", Topics.LOGIN + "-2",
        Topics.TRANSACTION + "-0", Topics.TRANSACTION + "-1", Topics.TRANSACTION + "-2");
  }

  private List<Heartbeat> heartbeats() {
    return bed.heartbeats();
  }

  @Test
  void shouldLetStreamingFieldsExpireWhenTheProcessorStopsWhileBatchFieldsStay() throws Exception {
    loadBatch("u0002");
    StreamProcessorApp app = start(env(3));
    transaction("u0002", System.currentTimeMillis());
    login("u0002", System.currentTimeMillis(), true, "web-1");
    await("features written", Duration.ofSeconds(10), () -> raw.hexists(key("u0002"), "tx_count_5m")
        && raw.hexists(key("u0002"), "last_device_id"));
    // While it runs, the lease keeps the live count present past its 3 s TTL: it is renewed
    // (its expiry moves later) before it lapses, and keeps its value.
    long firstExpiry = raw.hpexpireTime(key("u0002"), "tx_count_5m").get(0);
    await("the lease renewed past the first TTL", Duration.ofSeconds(30),
        () -> raw.hpexpireTime(key("u0002"), "tx_count_5m").get(0) > firstExpiry + 1000);
    assertThat(raw.hget(key("u0002"), "tx_count_5m")).isEqualTo("1");

    bed.stop(app);
    assertThat(heartbeats()).as("a clean stop removes the heartbeat").isEmpty();
    await("streaming fields expired", Duration.ofSeconds(5), () -> raw.hmget(key("u0002"), "tx_count_5m",
        "last_device_id", "last_login_ts", "session_country").stream().allMatch(v -> v == null));
    assertThat(raw.hget(key("u0002"), "risk_segment")).isEqualTo("low");
    assertThat(raw.ttl(key("u0002"))).isPositive();
  }

  @Test
  void shouldSendBadRecordsToTheDeadLetterTopicAndKeepRunning() throws Exception {
    start(env(60));
    String marker = UUID.randomUUID().toString();
    send(Topics.TRANSACTION, "u0003", ("{\"oops\":\"" + marker + "\"").getBytes(StandardCharsets.UTF_8));
    transaction("u0003", System.currentTimeMillis());

    await("the good event processed", Duration.ofSeconds(10), () -> "1".equals(raw.hget(key("u0003"), "tx_count_5m")));
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      consumer.subscribe(List.of(Topics.DLQ));
      ConsumerRecord<byte[], byte[]> found = Await.value("the dead letter", Duration.ofSeconds(15), () -> {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (new String(r.value(), StandardCharsets.UTF_8).contains(marker)) {
            return r;
          }
        }
        return null;
      }, r -> true);
      assertThat(new String(found.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
          .startsWith("transaction: malformed JSON");
      assertThat(new String(found.headers().lastHeader(DeadLetters.SOURCE_TOPIC).value(), StandardCharsets.UTF_8))
          .isEqualTo(Topics.TRANSACTION);
      assertThat(found.headers().lastHeader(DeadLetters.SOURCE_OFFSET)).isNotNull();
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bed.kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-dlq-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Test
  void shouldProcessUnderExactlyOnce() throws Exception {
    Map<String, String> env = env(60);
    env.put("FS_PROCESSING_GUARANTEE", "exactly_once_v2");
    start(env);
    for (int i = 0; i < 5; i++) {
      transaction("u0004", System.currentTimeMillis());
    }
    await("count under exactly_once_v2", Duration.ofSeconds(15), () -> "5".equals(raw.hget(key("u0004"), "tx_count_5m")));
  }

  @Test
  void shouldLoseNothingWhenRedisIsDownForAWhile() throws Exception {
    int port = FreePorts.next();
    Path binary = RedisBinary.locate();
    RedisServer own = RedisServer.start(binary, port);
    Map<String, String> env = env(60);
    env.put("REDIS_URL", own.url());
    env.put("FS_SINK_RETRY_SECONDS", "2");
    StreamProcessorApp app = start(env);
    transaction("u0005", System.currentTimeMillis());
    try (RedisClient ownClient = RedisClient.create(own.url())) {
      await("first event written", Duration.ofSeconds(10), () -> "1".equals(ownClient.hget(key("u0005"), "tx_count_5m")));
    }
    own.close();
    for (int i = 0; i < 4; i++) {
      transaction("u0005", System.currentTimeMillis());
    }
    // Past the retry budget the task fails and its thread is replaced, resuming from the last commit.
    await("the stream thread replaced while Redis is down", Duration.ofSeconds(30),
        () -> app.metricsText().lines().anyMatch(l -> l.startsWith("fs_processor_thread_replacements_total")
            && !l.endsWith(" 0.0")));
    RedisServer again = bed.closeLater(RedisServer.start(binary, port));
    try (RedisClient ownClient = RedisClient.create(again.url())) {
      await("every event written after Redis returned", Duration.ofSeconds(60),
          () -> "5".equals(ownClient.hget(key("u0005"), "tx_count_5m")));
    }
  }

  @Test
  void shouldConvergeToTheReferenceAfterACrashMidStream() throws Exception {
    Map<String, String> env = env(120);
    env.put("FS_PROCESSOR_STATE_DIR", stateDir.resolve("crash").toString());
    Random random = new Random(42);
    Map<String, Integer> txReference = new HashMap<>();
    Map<String, Integer> failedReference = new HashMap<>();
    long start = System.currentTimeMillis();

    ChildProcess first = launch(env, "first");
    produceRandom(random, 3000, start, txReference, failedReference);
    awaitAnyFeature("u1");
    first.kill(); // kill -9 mid-stream: no clean close, no final commit
    produceRandom(random, 3000, start, txReference, failedReference);

    ChildProcess second = launch(env, "second");
    try {
      await("counts equal the reference", Duration.ofSeconds(60), () -> matches(txReference, "tx_count_5m")
          && matches(failedReference, "failed_logins_15m"));
      // Read when the counts matched: no event had left its 5-minute window yet, so the reference held.
      assertThat(System.currentTimeMillis() - start).as("the test stayed inside the 5-minute window").isLessThan(240_000);
    } finally {
      second.stop(Duration.ofSeconds(30));
    }
  }

  private void produceRandom(Random random, int events, long start, Map<String, Integer> tx, Map<String, Integer> failed)
      throws Exception {
    for (int i = 0; i < events; i++) {
      String user = "u" + (1 + random.nextInt(20));
      long ts = start - random.nextInt(60_000);
      if (random.nextInt(4) == 0) {
        producer.send(new ProducerRecord<>(Topics.LOGIN, user.getBytes(StandardCharsets.UTF_8),
            json.write(new LoginEvent(user, ts, "d", "US", false))));
        failed.merge(user, 1, Integer::sum);
      } else {
        producer.send(new ProducerRecord<>(Topics.TRANSACTION, user.getBytes(StandardCharsets.UTF_8),
            json.write(new TransactionEvent(user, ts, new BigDecimal("1.00"), "USD", "US", "m1"))));
        tx.merge(user, 1, Integer::sum);
      }
    }
    producer.flush();
  }

  private void awaitAnyFeature(String user) throws InterruptedException {
    await("the first process wrote something", Duration.ofSeconds(60), () -> raw.hexists(key(user), "tx_count_5m"));
  }

  private boolean matches(Map<String, Integer> reference, String field) {
    for (Map.Entry<String, Integer> e : reference.entrySet()) {
      if (!Integer.toString(e.getValue()).equals(raw.hget(key(e.getKey()), field))) {
        return false;
      }
    }
    return true;
  }

  /** The processor as its own OS process, so the test can kill it for real. */
  private ChildProcess launch(Map<String, String> env, String name) throws IOException {
    ChildProcess process = ChildProcess.java(name, List.of("-Xmx512m"), List.of("-cp", System.getProperty("java.class.path"),
        StreamProcessorApp.class.getName()), env, Files.createTempFile(stateDir, name, ".log"));
    bed.closeLater(process);
    return process;
  }

}
