package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * Hostile input against a real broker (3 partitions, default broker settings) and a real
 * Redis: after each, fresh events for users on every partition are still served, and the
 * hostile input lands where it belongs (the DLQ with its reason, the rejected counter, an
 * exact count for a busy user).
 */
@ExtendWith({KafkaExtension.class, RedisExtension.class})
class HostileInputIT {
  private static final Logger LOG = LoggerFactory.getLogger(HostileInputIT.class);
  private static final int PARTITIONS = 3;
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private ProcessorTestBed bed;
  private RedisClient raw;

  @TempDir
  Path stateDir;

  @BeforeEach
  void setUp(KafkaEndpoint kafka, RedisEndpoint redis, TestInfo test) {
    bed = new ProcessorTestBed(kafka, redis, test, stateDir, PARTITIONS);
    raw = bed.raw;
  }

  @AfterEach
  void tearDown() throws Exception {
    bed.close();
  }

  private StreamProcessorApp start() {
    return bed.start(bed.env(60));
  }

  private void send(String topic, String key, byte[] value) {
    bed.send(topic, key, value);
  }

  private void transaction(String user, long ts) {
    bed.transaction(user, ts);
  }

  private String key(String user) {
    return bed.key(user);
  }

  /** A user id no other check sends events for: {@code prefix} and six random characters. */
  private static String uniqueUser(String prefix) {
    return prefix + UUID.randomUUID().toString().substring(0, 6);
  }

  /** One user id per input partition, different in every call, so each check starts from nothing. */
  private List<String> usersOnEveryPartition(String tag) {
    List<String> users = new ArrayList<>();
    boolean[] covered = new boolean[PARTITIONS];
    for (int i = 0; users.size() < PARTITIONS; i++) {
      String user = tag + i;
      int partition = Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      if (!covered[partition]) {
        covered[partition] = true;
        users.add(user);
      }
    }
    return users;
  }

  /** Fresh events for a user on every partition are served; logs how long it took. */
  private void assertEveryPartitionServes(String tag) {
    List<String> users = usersOnEveryPartition(tag);
    long start = System.nanoTime();
    for (String user : users) {
      transaction(user, System.currentTimeMillis());
    }
    for (String user : users) {
      Await.until("a fresh event of " + user + " served", DEADLINE, () -> "1".equals(raw.hget(key(user), "tx_count_5m")));
    }
    LOG.info("after {}: fresh events on all {} partitions served in {} ms", tag, PARTITIONS,
        (System.nanoTime() - start) / 1_000_000);
  }

  private ConsumerRecord<byte[], byte[]> deadLetterFor(String user) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bed.kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "hostile-dlq-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.DLQ));
      return Await.value("a dead letter for " + user, DEADLINE, () -> {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(user)) {
            return r;
          }
        }
        return null;
      }, r -> true);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void shouldDeadLetterEventsStampedFarAheadWithoutStoppingAnyPartition() {
    start();
    long now = System.currentTimeMillis();
    String twoDays = uniqueUser("future2d-");
    String twoHours = uniqueUser("future2h-");
    transaction(twoDays, now + Duration.ofDays(2).toMillis());
    transaction(twoHours, now + Duration.ofHours(2).toMillis());

    ConsumerRecord<byte[], byte[]> invalid = deadLetterFor(twoDays);
    assertThat(header(invalid, DeadLetters.CODE)).isEqualTo(DeadLetters.INVALID);
    assertThat(header(invalid, DeadLetters.REASON)).contains("more than a day in the future");
    ConsumerRecord<byte[], byte[]> ahead = deadLetterFor(twoHours);
    assertThat(header(ahead, DeadLetters.CODE)).isEqualTo(DeadLetters.TS_IN_FUTURE);
    assertThat(header(ahead, DeadLetters.REASON)).startsWith("ts_in_future: transaction ts");
    assertThat(ahead.timestamp()).as("stamped with the input record's Kafka time, which the broker accepted")
        .isLessThan(now + Duration.ofHours(1).toMillis());

    assertEveryPartitionServes("after-future-");
    assertThat(raw.exists(key(twoHours))).isFalse();
  }

  @Test
  void shouldDeadLetterARecordAsLargeAsTheBrokerTakesAndKeepServing() {
    start();
    String user = uniqueUser("huge-");
    // As large as the producer's default request limit lets through (1 MiB), and not an event.
    byte[] value = new byte[1_048_576 - 200];
    java.util.Arrays.fill(value, (byte) 'x');
    send(Topics.TRANSACTION, user, value);

    ConsumerRecord<byte[], byte[]> dead = deadLetterFor(user);
    assertThat(header(dead, DeadLetters.CODE)).isEqualTo(DeadLetters.INVALID);
    assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.TRANSACTION);
    assertThat(header(dead, DeadLetters.VALUE_BYTES)).as("the original's length").isEqualTo(Integer.toString(value.length));
    assertThat(dead.value().length).isLessThanOrEqualTo(DeadLetters.MAX_BYTES).isGreaterThan(900_000);
    assertThat(dead.value()).as("the start of the original").containsOnly((byte) 'x');
    assertEveryPartitionServes("after-huge-");
  }

  @Test
  void shouldDropOnlyTheWriteOfAUserWhoseKeyHasAnotherTypeAndServeEveryoneElse() {
    StreamProcessorApp app = start();
    String victim = uniqueUser("wrongtype-");
    raw.set(key(victim), "x");
    transaction(victim, System.currentTimeMillis());

    Await.until("the refused write counted", DEADLINE,
        () -> app.metricsText().contains("fs_processor_sink_rejected_total 1.0"));
    assertEveryPartitionServes("after-wrongtype-");
    assertThat(raw.get(key(victim))).as("the foreign key is left alone").isEqualTo("x");
    assertThat(app.metricsText()).contains("fs_processor_sink_retries_total 0.0");
  }

  @Test
  void shouldCountABusyUserExactlyWhileServingEveryoneElse() {
    start();
    String hot = uniqueUser("hot-");
    int events = 30_000;
    long now = System.currentTimeMillis();
    byte[] key = hot.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < events; i++) {
      // spread over the last two minutes: all inside the five-minute window for the whole test
      long ts = now - 120_000 + (long) i * 120_000 / events;
      bed.producer.send(new ProducerRecord<>(Topics.TRANSACTION, key,
          bed.json.write(new TransactionEvent(hot, ts, new BigDecimal("1.00"), "USD", "US", "m001"))));
    }
    bed.producer.flush();
    assertEveryPartitionServes("during-burst-");
    Await.until("the busy user's exact count", Duration.ofMinutes(2),
        () -> Integer.toString(events).equals(raw.hget(key(hot), "tx_count_5m")));
  }

  @Test
  void shouldIgnoreEventsFromTheFarPastAndKeepServing() {
    StreamProcessorApp app = start();
    String old = uniqueUser("past-");
    long aYearAgo = System.currentTimeMillis() - Duration.ofDays(365).toMillis();
    transaction(old, aYearAgo);
    send(Topics.LOGIN, old, bed.json.write(new LoginEvent(old, aYearAgo, "d", "US", false)));

    Await.until("the late events counted as late", DEADLINE,
        () -> app.metricsText().contains("fs_processor_late_events_total{entity=\"user\",type=\"transaction\"} 1.0")
            && app.metricsText().contains("fs_processor_late_events_total{entity=\"user\",type=\"failed_login\"} 1.0"));
    assertEveryPartitionServes("after-past-");
    assertThat(raw.exists(key(old))).isFalse();
  }

  @Test
  void shouldRewriteOnlyLiveUsersOnRestartAndKeepTheLastLoginExpiry() {
    StreamProcessorApp app = start();
    String user = uniqueUser("restart-");
    send(Topics.LOGIN, user, bed.json.write(new LoginEvent(user, System.currentTimeMillis(), "ios-1", "DE", true)));
    transaction(user, System.currentTimeMillis());
    Await.until("features written", DEADLINE, () -> raw.hexists(key(user), "last_device_id")
        && raw.hexists(key(user), "tx_count_5m"));
    List<Long> expiry = raw.hpexpireTime(key(user), "last_device_id", "last_login_ts", "session_country");
    bed.stop(app);
    raw.del(key(user)); // as if Redis had lost it

    start();
    Await.until("the live user rewritten from state", DEADLINE, () -> raw.hexists(key(user), "last_device_id")
        && "1".equals(raw.hget(key(user), "tx_count_5m")));
    assertThat(raw.hpexpireTime(key(user), "last_device_id", "last_login_ts", "session_country"))
        .as("a rewrite keeps the expiry the login gave the fields").isEqualTo(expiry);
  }
}
