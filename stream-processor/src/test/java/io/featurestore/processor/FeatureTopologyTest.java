package io.featurestore.processor;

import static io.featurestore.processor.TopologyHarness.T0;
import static io.featurestore.processor.TopologyHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FeatureTopologyTest {
  private static final long MIN = 60_000L;
  private TopologyHarness h = new TopologyHarness(300);

  @AfterEach
  void close() {
    h.close();
  }

  private long tx(String user) {
    return h.redis.count(user, "tx_count_5m");
  }

  private long failed(String user) {
    return h.redis.count(user, "failed_logins_15m");
  }

  @Test
  void shouldCountTransactionsInASlidingFiveMinuteWindowThatGoesDown() {
    h.transaction("u1", T0 - 2 * MIN);
    h.transaction("u1", T0 - MIN);
    h.transaction("u1", T0);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).isEqualTo(3);

    h.advance(Duration.ofMinutes(3)); // T0+3m: the event at T0-2m left at T0+3m exactly
    assertThat(tx("u1")).isEqualTo(2);
    h.advance(Duration.ofMinutes(1)); // T0+4m
    assertThat(tx("u1")).isEqualTo(1);
    h.advance(Duration.ofMinutes(1)); // T0+5m
    assertThat(tx("u1")).isZero();
    assertThat(h.redis.read("u1", "tx_count_5m")).as("a count that reaches zero is removed").isNull();
    assertThat(h.redis.calls.stream().flatMap(List::stream).filter(u -> u.entityId().equals("u1"))
        .reduce((first, second) -> second).orElseThrow().remove()).contains("tx_count_5m");
    assertThat(h.redis.read("u1", "tx_amount_sum_1h")).as("the hour's sum still holds them").isEqualTo(30.0);
  }

  @Test
  void shouldKeepAnEventJustInsideTheWindowEdge() {
    h.transaction("u1", T0);
    h.advance(Duration.ofMinutes(5).minusMillis(100)); // T0+5m-100ms: still inside (T-5m < ts)
    assertThat(tx("u1")).isEqualTo(1);
    h.advance(Duration.ofMillis(100)); // T0+5m: ts = T-5m is outside
    assertThat(tx("u1")).isZero();
  }

  @Test
  void shouldCountFailedLoginsOverFifteenMinutesAndNotCountSuccessfulOnes() {
    h.login("u1", T0 - 14 * MIN, false, "d1");
    h.login("u1", T0 - MIN, false, "d1");
    h.login("u1", T0, true, "d1");
    h.advance(Duration.ofMillis(100));
    assertThat(failed("u1")).isEqualTo(2);
    h.advance(Duration.ofMinutes(1));
    assertThat(failed("u1")).isEqualTo(1);
    h.advance(Duration.ofMinutes(14));
    assertThat(failed("u1")).isZero();
  }

  @Test
  void shouldCountOutOfOrderEventsInsideTheWindowAndIgnoreTooOldOnes() {
    h.transaction("u1", T0 - MIN);
    h.transaction("u1", T0 - 3 * MIN); // out of order, still inside
    h.transaction("u1", T0 - 5 * MIN); // exactly one window old: can never count in 5 minutes
    h.transaction("u1", T0 - 60 * MIN); // nor in the hour's sum, only in the 24-hour max
    h.transaction("u1", T0 - 25 * 60 * MIN); // outside every window: late
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).isEqualTo(2);
    assertThat(h.redis.read("u1", "tx_amount_sum_1h")).isEqualTo(30.0);
    assertThat(h.metrics.get("late.transaction")).isEqualTo(1);
    h.advance(Duration.ofMinutes(2)); // T0+2m: T0-3m left
    assertThat(tx("u1")).isEqualTo(1);
  }

  @Test
  void shouldCountAFutureStampedEventOnceItsTimeComes() {
    h.transaction("u1", T0 + 2_000);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).isZero();
    h.advance(Duration.ofSeconds(2));
    assertThat(tx("u1")).isEqualTo(1);
  }

  @Test
  void shouldTakeLastLoginFactsFromTheLatestSuccessfulLoginByEventTime() {
    h.login("u1", T0 - 10_000, true, "old-device");
    h.login("u1", T0 - 1_000, true, "new-device");
    h.login("u1", T0 - 5_000, true, "late-device"); // late and older: must not win
    h.login("u1", T0, false, "attacker");            // failed: never a last login
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("u1", "last_device_id")).isEqualTo("new-device");
    assertThat(h.redis.read("u1", "last_login_ts")).isEqualTo(T0 - 1_000);
    assertThat(h.redis.read("u1", "session_country")).isEqualTo("US");
  }

  @Test
  void shouldExpireLastLoginFactsOneStreamTtlAfterTheLoginWasProcessed() {
    h.login("u1", T0, true, "d1");
    h.advance(Duration.ofMillis(100));
    long processedAt = T0;
    assertThat(h.redis.expiresAt("u1", "last_device_id")).isBetween(processedAt + 300_000, processedAt + 300_100);
    h.advance(Duration.ofSeconds(300));
    assertThat(h.redis.read("u1", "last_device_id")).isNull();
  }

  @Test
  void shouldRenewTheLeaseOfALiveCountSoItNeverLapsesWhileRunning() {
    h.close();
    h = new TopologyHarness(30);
    h.transaction("u1", T0);
    for (int second = 0; second < 290; second++) {
      h.advance(Duration.ofSeconds(1));
      assertThat(tx("u1")).as("at +%d s", second + 1).isEqualTo(1);
    }
    h.advance(Duration.ofSeconds(10)); // T0+5m: the event left the window
    assertThat(tx("u1")).isZero();
  }

  @Test
  void shouldWriteManyUsersInOneFlush() {
    for (int i = 0; i < 50; i++) {
      h.transaction("u" + i, T0);
    }
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.calls).hasSize(1);
    assertThat(h.redis.calls.get(0)).filteredOn(u -> u.entity().equals("user")).hasSize(50);
    assertThat(h.redis.calls.get(0)).filteredOn(u -> u.entity().equals("merchant")).hasSize(1);
  }

  @Test
  void shouldRouteBadRecordsToTheDeadLetterTopicWithReasonAndOrigin() {
    h.transactions.pipeInput(bytes("u1"), bytes("{not json"), T0);
    h.transactions.pipeInput(bytes("u1"), bytes("{\"user_id\":\"u1\",\"ts\":" + T0 + ",\"currency\":\"USD\",\"country\":\"US\",\"merchant_id\":\"m\"}"), T0);
    h.logins.pipeInput(bytes("u1"), bytes("{\"user_id\":\"u1\",\"ts\":\"now\",\"device_id\":\"d\",\"country\":\"US\",\"success\":true}"), T0);
    h.logins.pipeInput(bytes("bad id"), bytes("{\"user_id\":\"bad id\",\"ts\":" + T0 + ",\"device_id\":\"d\",\"country\":\"US\",\"success\":true}"), T0);
    h.logins.pipeInput(bytes("u2"), bytes("{\"user_id\":\"u1\",\"ts\":" + T0 + ",\"device_id\":\"d\",\"country\":\"US\",\"success\":true}"), T0);
    h.logins.pipeInput(null, bytes("{\"user_id\":\"u1\",\"ts\":" + T0 + ",\"device_id\":\"d\",\"country\":\"US\",\"success\":true}"), T0);
    h.transaction("u1", T0); // the processor keeps going
    h.advance(Duration.ofMillis(100));

    List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
    assertThat(dead).hasSize(6);
    assertThat(dead).extracting(r -> header(r.headers(), DeadLetters.REASON)).satisfiesExactly(
        r -> assertThat(r).startsWith("transaction: malformed JSON"),
        r -> assertThat(r).isEqualTo("transaction: missing field 'amount'"),
        r -> assertThat(r).startsWith("login: field 'ts'"),
        r -> assertThat(r).startsWith("login: malformed user_id 'bad id'"),
        r -> assertThat(r).isEqualTo("login: record key 'u2' is not its user_id 'u1'"),
        r -> assertThat(r).startsWith("login: record has no key"));
    assertThat(header(dead.get(0).headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.TRANSACTION);
    assertThat(header(dead.get(1).headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
    assertThat(header(dead.get(2).headers(), DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    assertThat(h.metrics.get("dlq")).isEqualTo(6);
    assertThat(tx("u1")).isEqualTo(1);
    assertThat(h.redis.read("u1", "last_device_id")).isNull();
  }

  @Test
  void shouldCutADeadLetterTooLargeToProduceAndSayHowLargeTheOriginalWas() {
    byte[] hugeKey = "k".repeat(600_000).getBytes(StandardCharsets.UTF_8);
    byte[] hugeValue = "v".repeat(900_000).getBytes(StandardCharsets.UTF_8);
    org.apache.kafka.common.header.internals.RecordHeaders producerHeaders =
        new org.apache.kafka.common.header.internals.RecordHeaders();
    producerHeaders.add("trace", new byte[1000]);
    h.logins.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(hugeKey, hugeValue, producerHeaders,
        java.time.Instant.ofEpochMilli(T0)));
    h.transactions.pipeInput(bytes("u1"), "v".repeat(1_040_000).getBytes(StandardCharsets.UTF_8), T0);
    h.transactions.pipeInput(bytes("u1"), bytes("{not json"), T0);
    h.transaction("u1", T0); // the processor keeps going
    h.advance(Duration.ofMillis(100));

    List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
    assertThat(dead).hasSize(3);
    TestRecord<byte[], byte[]> both = dead.get(0);
    assertThat(header(both.headers(), DeadLetters.KEY_BYTES)).isEqualTo("600000");
    assertThat(header(both.headers(), DeadLetters.VALUE_BYTES)).isEqualTo("900000");
    assertThat(both.key()).hasSize(256);
    assertThat(both.headers().lastHeader("trace")).as("the producer's headers go when the key is that large").isNull();
    assertThat(header(both.headers(), DeadLetters.REASON)).hasSizeLessThanOrEqualTo(DeadLetters.MAX_REASON_CHARS + 1);
    assertThat(header(both.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.LOGIN);
    TestRecord<byte[], byte[]> value = dead.get(1);
    assertThat(header(value.headers(), DeadLetters.VALUE_BYTES)).isEqualTo("1040000");
    assertThat(value.value().length + value.key().length).isLessThanOrEqualTo(DeadLetters.MAX_BYTES);
    assertThat(new String(value.key(), StandardCharsets.UTF_8)).isEqualTo("u1");
    assertThat(dead.get(2).headers().lastHeader(DeadLetters.VALUE_BYTES)).as("a small one is kept whole").isNull();
    assertThat(new String(dead.get(2).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    assertThat(tx("u1")).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterAnAmountSoLargeThatTheSumsWouldOverflow() {
    h.transaction("u1", T0, "1e400", "m0001");
    h.transaction("u1", T0, "12.5", "m0001");
    h.advance(Duration.ofMillis(100));

    assertThat(h.dlq.readRecordsToList()).extracting(r -> header(r.headers(), DeadLetters.REASON))
        .containsExactly("transaction: amount must be <= 1000000000000000, not 1E+400");
    assertThat(h.redis.read("u1", "tx_amount_sum_1h")).as("finite: an infinite sum would be NaN once it left the window")
        .isEqualTo(12.5);
    assertThat(tx("u1")).isEqualTo(1);
  }

  @Test
  void shouldRetryAFailingWriteAndFailTheTaskWhenRedisStaysDown() {
    h.transaction("u1", T0);
    h.redis.failuresToThrow = 2;
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).as("written after two retries").isEqualTo(1);
    assertThat(h.metrics.get("retry")).isEqualTo(2);

    h.transaction("u2", T0);
    h.redis.failuresToThrow = Integer.MAX_VALUE;
    assertThatThrownBy(() -> h.advance(Duration.ofMillis(100)))
        .hasStackTraceContaining("failing the task so its offsets are not committed");
    // Recovery (the task is recreated from its state and rewrites every user) is covered
    // against a real broker and Redis in StreamProcessorIT.
    h.redis.failuresToThrow = 0;
  }

  @Test
  void shouldSendAnEventStampedBeyondTheAllowedSkewToTheDlqStampedWithItsKafkaTime() {
    long twoHoursAhead = T0 + 2 * 60 * MIN;
    h.transactions.pipeInput(bytes("u1"), h.json(new io.featurestore.events.TransactionEvent("u1", twoHoursAhead,
        new java.math.BigDecimal("1.00"), "USD", "US", "m1")), T0);
    h.transactions.pipeInput(bytes("u2"), h.json(new io.featurestore.events.TransactionEvent("u2", T0 + 4 * MIN,
        new java.math.BigDecimal("1.00"), "USD", "US", "m1")), T0);
    h.transaction("u3", T0);
    h.advance(Duration.ofMillis(100));

    List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
    assertThat(dead).singleElement().satisfies(r -> {
      assertThat(header(r.headers(), DeadLetters.CODE)).isEqualTo(DeadLetters.TS_IN_FUTURE);
      assertThat(header(r.headers(), DeadLetters.REASON)).startsWith("ts_in_future: transaction ts " + twoHoursAhead)
          .contains("7200 s ahead");
      assertThat(r.timestamp()).as("the record's Kafka timestamp, not the event's ts").isEqualTo(T0);
    });
    assertThat(tx("u3")).as("everybody else goes on").isEqualTo(1);
    assertThat(tx("u2")).as("within the skew: not counted yet").isZero();
    h.advance(Duration.ofMinutes(4));
    assertThat(tx("u2")).as("counted once its time comes").isEqualTo(1);
  }

  @Test
  void shouldDropOnlyTheWriteRedisRefusesAndKeepWritingEveryOtherUser() {
    h.redis.refused.add("u2");
    h.transaction("u1", T0);
    h.transaction("u2", T0);
    h.transaction("u3", T0);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).isEqualTo(1);
    assertThat(tx("u3")).isEqualTo(1);
    assertThat(h.metrics.get("rejected")).isEqualTo(1);
    assertThat(h.metrics.get("retry")).as("a refused key is not retried as an outage").isZero();

    h.transaction("u1", T0 + 100);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).as("the next flush goes through").isEqualTo(2);
  }

  @Test
  void shouldKeepABusyUsersStateBoundedByTheWindowAndItsCountExact() {
    for (int i = 0; i < 20_000; i++) {
      h.transaction("hot", T0 - 4 * MIN + i * 12L); // 20,000 events over 4 minutes
    }
    h.transaction("quiet", T0);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("hot")).isEqualTo(20_000);
    assertThat(tx("quiet")).isEqualTo(1);

    org.apache.kafka.streams.state.KeyValueStore<String, EntityState> store =
        h.driver.getKeyValueStore(FeatureTopology.USER_STATE_STORE);
    DeclaredFeatures.Group user = DeclaredFeatures.of(h.registry).groups().get(0);
    byte[] stored = EntityState.serde(user).serializer().serialize("t", store.get("hot"));
    // Four windows over the same 4 minutes: 5m at 100 ms (2,401 buckets), 15m at 100 ms (failed
    // logins: empty), 1h at 500 ms (481 buckets) and 24h at 10 s (25 buckets), each bounded by
    // its window and resolution, not by the 20,000 events.
    assertThat(store.get("hot").windows[0].size()).isLessThanOrEqualTo(2_401);
    assertThat(store.get("hot").windows[2].size()).isLessThanOrEqualTo(481);
    assertThat(store.get("hot").windows[3].size()).isLessThanOrEqualTo(25);
    assertThat(stored.length).as("bytes for 20,000 events").isLessThan(40_000);
  }

  @Test
  void shouldRemoveAUserWithNothingLiveLeftFromTheStore() {
    h.login("u1", T0, true, "d1");
    h.login("u1", T0, false, "d1");
    h.advance(Duration.ofMillis(100));
    org.apache.kafka.streams.state.KeyValueStore<String, EntityState> store =
        h.driver.getKeyValueStore(FeatureTopology.USER_STATE_STORE);
    assertThat(store.get("u1")).isNotNull();

    h.advance(Duration.ofMinutes(5)); // the last-login lease (300 s) is gone
    assertThat(store.get("u1")).as("failed logins still count").isNotNull();
    h.advance(Duration.ofMinutes(10));
    assertThat(failed("u1")).isZero();
    assertThat(store.get("u1")).isNull();
  }

  @Test
  void shouldGiveLastLoginFactsAnExpiryFixedWhenTheLoginWasProcessed() {
    h.login("u1", T0, true, "d1");
    h.advance(Duration.ofMillis(100));
    var update = h.redis.calls.get(h.redis.calls.size() - 1).get(0);
    assertThat(update.expiring()).containsOnlyKeys("last_login_ts", "last_device_id", "session_country");
    assertThat(update.expireAtMs()).isEqualTo(T0 + 300_000);
  }

  @Test
  void shouldDropPendingWritesWhenATaskIsClosedOutsideAShutdown() {
    h.transaction("u1", T0); // buffered until the next punctuation
    h.close();
    assertThat(h.redis.calls).as("a closed task's next owner rewrites it from state").isEmpty();
    h = new TopologyHarness(300);
  }

  @Test
  void shouldWritePendingWritesWhenTheProcessorShutsDownCleanly() {
    h.transaction("u1", T0);
    h.sinks.shuttingDown();
    h.close();
    assertThat(h.redis.calls).hasSize(1);
    assertThat(h.redis.calls.get(0).get(0).values().get("tx_count_5m")).isEqualTo(1L);
    h = new TopologyHarness(300);
  }

  @Test
  void shouldRewriteManyLiveUsersASliceAtATimeWhenRedisComesBackEmpty() {
    int users = EntityFeaturesProcessor.REWRITE_SLICE + 500;
    for (int i = 0; i < users; i++) {
      h.transaction("u" + i, T0);
    }
    h.advance(Duration.ofMillis(100));
    h.redis.restartEmpty();
    h.metrics.largestFlush.set(0);
    h.transaction("u0", T0 + 100); // the write that finds out
    h.advance(Duration.ofMillis(100));
    java.util.function.IntSupplier rewritten = () -> (int) java.util.stream.IntStream.range(0, users)
        .filter(i -> !h.redis.fields("user", "u" + i).isEmpty()).count();
    assertThat(rewritten.getAsInt()).as("one slice, then a flush").isLessThan(users)
        .isGreaterThanOrEqualTo(EntityFeaturesProcessor.REWRITE_SLICE);

    h.advance(Duration.ofMillis(100));
    assertThat(rewritten.getAsInt()).as("every live user, at the next punctuation").isEqualTo(users);
    assertThat(tx("u1")).isEqualTo(1);
    assertThat(tx("u0")).isEqualTo(2);
    assertThat(h.metrics.largestFlush.get()).as("no flush holds more than a slice and the write that found out")
        .isLessThanOrEqualTo(EntityFeaturesProcessor.REWRITE_SLICE + 1);
  }

  @Test
  void shouldRewriteEveryLiveUserWhenRedisComesBackEmpty() {
    h.transaction("u1", T0);
    h.login("u2", T0, true, "d2");
    h.advance(Duration.ofMillis(100));
    Long loginExpiry = h.redis.expiresAt("u2", "last_device_id");

    h.redis.restartEmpty();
    h.transaction("u3", T0 + 100); // the write that finds out
    h.advance(Duration.ofMillis(200));

    assertThat(tx("u1")).as("rewritten without waiting for its lease").isEqualTo(1);
    assertThat(h.redis.read("u2", "last_device_id")).isEqualTo("d2");
    assertThat(h.redis.expiresAt("u2", "last_device_id")).as("with the expiry it had").isEqualTo(loginExpiry);
    assertThat(tx("u3")).isEqualTo(1);
  }

  @Test
  void shouldCountAMerchantsTransactionsOfEveryUserThroughTheRepartitionTopic() {
    h.transaction("u1", T0 - 10 * MIN, "20.00", "m042");
    h.transaction("u2", T0, "5.50", "m042");
    h.transaction("u2", T0, "1.00", "m7");
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("merchant", "m042", "merchant_tx_count_1h")).isEqualTo(2L);
    assertThat(h.redis.read("merchant", "m7", "merchant_tx_count_1h")).isEqualTo(1L);
    assertThat(h.redis.fields("merchant", "m042")).containsOnlyKeys("merchant_tx_count_1h", "merchant_amount_sum_1h");
    assertThat(h.redis.read("merchant", "m042", "merchant_amount_sum_1h")).isEqualTo(25.5);
    assertThat(h.redis.read("u2", "tx_amount_sum_1h")).isEqualTo(6.5);
    assertThat(h.redis.read("u2", "tx_amount_max_24h")).isEqualTo(5.5);

    h.advance(Duration.ofMinutes(50)); // T0+50m: the transaction at T0-10m left the hour
    assertThat(h.redis.read("merchant", "m042", "merchant_tx_count_1h")).as("renewed and exact").isEqualTo(1L);
    assertThat(h.metrics.get("processed.merchant.transaction")).isEqualTo(3);
  }

  @Test
  void shouldCountAnEventWhoseMerchantIdBreaksTheIdRuleForTheUserOnly() {
    h.transaction("u1", T0, "3.00", "m 42; DROP");
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).isEqualTo(1);
    assertThat(h.metrics.get("unkeyed.merchant")).isEqualTo(1);
    assertThat(h.redis.calls).flatMap(c -> c).extracting(io.featurestore.core.StreamingUpdate::entity)
        .containsOnly("user");
    assertThat(h.dlq.isEmpty()).as("the event itself is valid").isTrue();
  }

  @Test
  void shouldCountAMerchantEventWrittenTwiceToTheRepartitionTopicOnce() {
    h.transaction("u1", T0, "3.00", "m1");
    h.advance(Duration.ofMillis(100));
    // As after a crash between writing the repartition record and committing the input offset:
    // the same event (same source partition and offset) arrives at the merchant a second time.
    var repartition = h.driver.createInputTopic("topology-test-merchant-by-merchant_id-repartition",
        new org.apache.kafka.common.serialization.StringSerializer(),
        RepartitionSerde.serde().serializer());
    var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(Rekey.SOURCE_HEADER, "events.transaction:0@0".getBytes(StandardCharsets.UTF_8));
    repartition.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("m1",
        new io.featurestore.events.TransactionEvent("u1", T0, new java.math.BigDecimal("3.00"), "USD", "US", "m1"),
        headers, T0));
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("merchant", "m1", "merchant_tx_count_1h")).isEqualTo(1L);
    assertThat(h.metrics.get("replay.merchant.transaction")).isEqualTo(1);
  }

  @Test
  void shouldApplyARepartitionRecordWithAMalformedSourceHeaderWithoutStoppingTheTask() {
    var repartition = h.driver.createInputTopic("topology-test-merchant-by-merchant_id-repartition",
        new org.apache.kafka.common.serialization.StringSerializer(), RepartitionSerde.serde().serializer());
    var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(Rekey.SOURCE_HEADER, "not a source".getBytes(StandardCharsets.UTF_8));
    repartition.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("m5",
        new io.featurestore.events.TransactionEvent("u1", T0, new java.math.BigDecimal("3.00"), "USD", "US", "m5"),
        headers, T0));
    h.transaction("u2", T0, "4.00", "m5");
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("merchant", "m5", "merchant_tx_count_1h")).isEqualTo(2L);
  }

  /** The bundled registry plus a user and a merchant feature that nothing has computed before. */
  private static io.featurestore.core.FeatureRegistry withTwoNewFeatures() {
    String bundled;
    try (var in = io.featurestore.core.FeatureRegistry.class.getResourceAsStream(io.featurestore.core.FeatureRegistry.BUNDLED_RESOURCE)) {
      bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String added = String.join("\n",
        "  - {name: tx_amount_mean_2h, type: double, source: stream, from: transaction, aggregate: mean, field: amount, window: 2h}",
        "  - {name: merchant_amount_sum_2h, entity: merchant, type: double, source: stream, from: transaction,"
            + " key: merchant_id, aggregate: sum, field: amount, window: 2h}",
        "",
        "services:");
    return io.featurestore.core.FeatureRegistry.parse(new java.io.StringReader(bundled.replace("\nservices:", "\n" + added)),
        "added.yaml");
  }

  private void sendTheRebuildStory() {
    h.transaction("u1", T0 - 50 * MIN, "10.00", "m1");
    h.transaction("u1", T0 - 2 * MIN, "30.00", "m1");
    h.transaction("u2", T0 - MIN, "5.00", "m1");
    h.login("u1", T0 - MIN, true, "d1");
  }

  @Test
  void shouldRebuildNewlyDeclaredFeaturesFromTheRetainedEventsAndCountReplaysOnce() {
    sendTheRebuildStory();
    h.advance(Duration.ofMillis(100));
    RecordedEvents retained = h.sent;
    h.close();

    h = new TopologyHarness(withTwoNewFeatures(), retained); // restarted with two more features
    org.apache.kafka.streams.state.KeyValueStore<String, String> meta = h.driver.getKeyValueStore("merchant-state-meta");
    assertThat(meta.get(EntityFeaturesProcessor.FINGERPRINT)).as("recorded only once the rebuilt state is committed")
        .isNull();
    // The first slice of each rebuild, the second one after the thread's other work had its turn.
    h.advance(Duration.ofMillis(600));
    assertThat(h.redis.read("u1", "tx_amount_mean_2h")).as("exact at once, from the retained events").isEqualTo(20.0);
    assertThat(h.redis.read("merchant", "m1", "merchant_amount_sum_2h")).isEqualTo(45.0);
    assertThat(tx("u1")).isEqualTo(1);
    assertThat(h.redis.read("u1", "last_device_id")).isEqualTo("d1");
    assertThat(h.redis.read("merchant", "m1", "merchant_tx_count_1h")).isEqualTo(3L);

    // The processor resumes from its committed offsets, at or below what the rebuild read: the
    // same records (same offsets) arrive again and count once.
    sendTheRebuildStory();
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("u1", "tx_amount_mean_2h")).isEqualTo(20.0);
    assertThat(h.redis.read("merchant", "m1", "merchant_amount_sum_2h")).isEqualTo(45.0);
    assertThat(h.redis.read("merchant", "m1", "merchant_tx_count_1h")).isEqualTo(3L);
    assertThat(h.metrics.get("replay.transaction")).isEqualTo(3);
    assertThat(h.metrics.get("replay.merchant.transaction")).isEqualTo(3);
    h.advance(Duration.ofSeconds(2));
    assertThat(meta.get(EntityFeaturesProcessor.FINGERPRINT))
        .isEqualTo(DeclaredFeatures.of(h.registry).groups().get(1).fingerprint());
  }

  @Test
  void shouldRebuildInSlicesAndCountWhatArrivedMeanwhileOnce() {
    sendTheRebuildStory();
    h.advance(Duration.ofMillis(100));
    RecordedEvents retained = h.sent;
    retained.perSlice = 1; // one retained record per slice: the rebuild spans several punctuations
    h.close();

    h = new TopologyHarness(withTwoNewFeatures(), retained);
    // The processor resumes from its committed offsets: the story arrives again while the rebuild
    // is under way, and so does a new transaction.
    sendTheRebuildStory();
    h.transaction("u1", T0 - MIN, "50.00", "m1");
    assertThat(h.redis.read("u1", "tx_amount_mean_2h")).as("nothing is written before the rebuild is done").isNull();
    assertThat(h.redis.read("merchant", "m1", "merchant_amount_sum_2h")).isNull();

    h.advance(Duration.ofMillis(400));
    assertThat(retained.slices).as("the thread's two rebuilds: one slice, then half a second of other work").isEqualTo(1);
    assertThat(h.redis.read("u1", "tx_amount_mean_2h")).as("still rebuilding, one record per slice").isNull();
    assertThat(h.metrics.rebuilding.get("user")).as("and saying so").hasValue(1);
    h.advance(Duration.ofSeconds(6)); // a slice every half second for the thread's two rebuilds
    assertThat(h.metrics.rebuilding.get("user")).hasValue(0);
    assertThat(h.metrics.rebuilding.get("merchant")).hasValue(0);
    assertThat(h.redis.read("u1", "tx_amount_mean_2h")).as("the retained events and the new one, each once")
        .isEqualTo(30.0);
    assertThat(tx("u1")).isEqualTo(2);
    assertThat(h.redis.read("u1", "last_device_id")).isEqualTo("d1");
    assertThat(h.redis.read("merchant", "m1", "merchant_amount_sum_2h")).isEqualTo(95.0);
    assertThat(h.redis.read("merchant", "m1", "merchant_tx_count_1h")).isEqualTo(4L);

    h.transaction("u2", T0, "1.00", "m1");
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.read("merchant", "m1", "merchant_tx_count_1h")).as("then the stream as usual").isEqualTo(5L);
    h.advance(Duration.ofSeconds(2));
    org.apache.kafka.streams.state.KeyValueStore<String, String> meta = h.driver.getKeyValueStore("merchant-state-meta");
    assertThat(meta.get(EntityFeaturesProcessor.FINGERPRINT))
        .isEqualTo(DeclaredFeatures.of(h.registry).groups().get(1).fingerprint());
  }

  @Test
  void shouldNotRebuildOnAFirstStartWhenEveryRetainedEventIsStillToBeProcessed() {
    sendTheRebuildStory();
    RecordedEvents retained = h.sent;
    retained.committedInput = false;
    h.close();
    h = new TopologyHarness(withTwoNewFeatures(), retained);
    h.advance(Duration.ofMillis(100));
    assertThat(h.redis.fields("user", "u1")).isEmpty();
    assertThat(h.redis.calls).isEmpty();
  }

  @Test
  void shouldRefuseARegistryThatDeclaresNoStreamingFeature() {
    var registry = io.featurestore.core.FeatureRegistry.parse(new java.io.StringReader(String.join("\n",
        "entity: {name: user, key_prefix: 'fs:user:', id_pattern: '[a-z0-9]+'}",
        "batch_ttl_seconds: 10", "stream_ttl_seconds: 5",
        "features: [{name: tx_count_5m, type: int, source: batch}]")), "r.yaml");
    var settings = new TopologySettings(registry, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(5));
    assertThatThrownBy(() -> FeatureTopology.buildTopology(settings, u -> List.of(), ProcessorMetrics.NONE))
        .hasMessage("the feature registry r.yaml declares no streaming feature: the stream processor has nothing to compute");
  }

  @Test
  void shouldComputeAFiveMinuteNameAsTheRegistryDeclaresIt() {
    String bundled;
    try (var in = io.featurestore.core.FeatureRegistry.class.getResourceAsStream(io.featurestore.core.FeatureRegistry.BUNDLED_RESOURCE)) {
      bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var registry = io.featurestore.core.FeatureRegistry.parse(new java.io.StringReader(
        bundled.replace("    aggregate: count\n    window: 5m", "    aggregate: count\n    window: 10m")), "r.yaml");
    h.close();
    h = new TopologyHarness(registry);
    h.transaction("u1", T0 - 7 * MIN);
    h.advance(Duration.ofMillis(100));
    assertThat(tx("u1")).as("the declaration, not the name, says what it counts").isEqualTo(1);
  }

  private static String header(Headers headers, String name) {
    return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
