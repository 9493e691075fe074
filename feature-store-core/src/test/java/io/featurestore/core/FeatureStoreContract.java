package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.UnifiedJedis;

/**
 * Every FeatureStore operation against a real Redis >= 7.4, one server or a cluster: the same
 * tests for both kinds of {@link Keyspace}. Each test has its own key prefix.
 */
abstract class FeatureStoreContract {
  private static final Map<String, String> BATCH_ROW = Map.of(
      "country_iso", "DE", "risk_segment", "low", "account_age_days", "412",
      "tx_count_7d", "14", "avg_amount_30d", "52.75", "chargeback_count_180d", "0");

  protected UnifiedJedis raw;
  protected RedisFeatureStore store;
  protected FeatureRegistry registry;

  /** Where the store under test is. */
  abstract RedisConnection connection();

  /** A client of the test's own, beside the store's. */
  abstract UnifiedJedis rawClient();

  /** Makes every master forget its scripts, as a restart would. */
  abstract void flushScripts();

  /** How many masters hold the data: 1, or a cluster's. */
  abstract int masters();

  @BeforeEach
  void connect(TestInfo test) {
    String name = test.getTestMethod().orElseThrow().getName();
    // Each test's own prefixes, for the merchant entity too (moved in the merchant's view).
    registry = FeatureRegistry.bundled().forEntity("merchant").withOverrides("itm:" + name + ":", 1000, 120)
        .forEntity("user").withOverrides("it:" + name + ":", 1000, 120);
    store = RedisFeatureStore.connect(connection(), registry);
    raw = rawClient();
  }

  @AfterEach
  void close() {
    store.admin().reset();
    store.close();
    raw.close();
  }

  protected String key(String id) {
    return registry.keyPrefix() + id;
  }

  protected String merchantKey(String id) {
    return registry.forEntity("merchant").keyPrefix() + id;
  }

  private static final Map<String, String> MERCHANT_ROW = Map.of(
      "merchant_category", "grocery", "merchant_risk_tier", "medium", "merchant_age_days", "730");

  /** Runs {@code body} with a store on the merchant entity's view (its bulk loader writes merchant rows), then resets it. */
  protected void withMerchants(java.util.function.Consumer<FeatureStore> body) {
    try (FeatureStore merchants = FeatureStore.connect(connection(), registry.forEntity("merchant"))) {
      try {
        body.accept(merchants);
      } finally {
        merchants.admin().reset();
      }
    }
  }

  protected static void loadMerchants(FeatureStore merchants, String... ids) {
    List<EntityRow> rows = new ArrayList<>();
    for (String id : ids) {
      rows.add(new EntityRow(id, MERCHANT_ROW));
    }
    merchants.bulkLoader().bulkLoad(rows.iterator(), merchants.registry().batchTtlSeconds(), 1000, 1, n -> { });
  }

  /**
   * u1 loaded with tx_count_5m = 3 streamed, m1 loaded with merchant_tx_count_1h = 12 for 100 s:
   * the rows the cross-entity reads ask for; then {@code body}.
   */
  private void withUserAndMerchant(Runnable body) {
    load("u1");
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L)));
    withMerchants(merchants -> {
      loadMerchants(merchants, "m1");
      raw.hset(merchantKey("m1"), "merchant_tx_count_1h", "12");
      raw.hexpire(merchantKey("m1"), 100, "merchant_tx_count_1h");
      body.run();
    });
  }

  protected static Map<String, String> row(String user, String merchant) {
    Map<String, String> row = new LinkedHashMap<>();
    if (user != null) {
      row.put("user", user);
    }
    if (merchant != null) {
      row.put("merchant", merchant);
    }
    return row;
  }

  protected static final List<FeatureRef> ACROSS = List.of(new FeatureRef("user", "risk_segment"),
      new FeatureRef("merchant", "merchant_category"), new FeatureRef("user", "tx_count_5m"),
      new FeatureRef("merchant", "merchant_tx_count_1h"), new FeatureRef("merchant", "merchant_age_days"));

  protected void load(String... ids) {
    List<EntityRow> rows = new ArrayList<>();
    for (String id : ids) {
      rows.add(new EntityRow(id, BATCH_ROW));
    }
    store.bulkLoader().bulkLoad(rows.iterator(), registry.batchTtlSeconds(), 1000, 1, n -> { });
  }

  @Test
  void shouldBulkLoadInBoundedChunksWithKeyLevelTtl() {
    AtomicLong lastProgress = new AtomicLong();
    List<EntityRow> rows = IntStream.rangeClosed(1, 2500)
        .mapToObj(i -> new EntityRow(String.format("u%04d", i), BATCH_ROW)).toList();

    BulkLoadResult result = store.bulkLoader().bulkLoad(rows.iterator(), 1000, 300, 2, lastProgress::set);

    assertThat(result.rows()).isEqualTo(2500);
    assertThat(lastProgress.get()).isEqualTo(2500);
    assertThat(store.admin().stats(3).entities()).isEqualTo(2500);
    assertThat(raw.hgetAll(key("u2500"))).isEqualTo(BATCH_ROW);
    assertThat(raw.ttl(key("u0001"))).isBetween(990L, 1000L);
  }

  @Test
  void shouldRejectARowWithAStreamingOrUnknownFeature() {
    List<EntityRow> rows = List.of(new EntityRow("u1", Map.of("tx_count_5m", "3")));
    assertThatThrownBy(() -> store.bulkLoader().bulkLoad(rows.iterator(), 1000, 10, 1, n -> { }))
        .isInstanceOf(UnknownFeatureException.class).hasMessageContaining("not a batch feature: tx_count_5m");
    assertThat(raw.exists(key("u1"))).isFalse();
  }

  @Test
  void shouldFailTheLoadNamingTheKeyWhenAnHsetIsRejected() {
    raw.set(key("u0002"), "not a hash");
    List<EntityRow> rows = List.of(new EntityRow("u0001", BATCH_ROW), new EntityRow("u0002", BATCH_ROW));
    assertThatThrownBy(() -> store.bulkLoader().bulkLoad(rows.iterator(), 1000, 10, 1, n -> { }))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining(key("u0002")).hasMessageContaining("WRONGTYPE");
  }

  @Test
  void shouldGiveEveryStreamingFieldATtl() {
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L, "last_device_id", "ios-9f02",
        "last_login_ts", 1716998413541L)));

    List<Long> ttls = raw.httl(key("u1"), "tx_count_5m", "last_device_id", "last_login_ts");
    assertThat(ttls).allSatisfy(ttl -> assertThat(ttl).isBetween(110L, 120L));
    assertThat(raw.hget(key("u1"), "tx_count_5m")).isEqualTo("3");
    assertThat(raw.ttl(key("u1"))).as("a streaming write gives the key no TTL").isEqualTo(-1L);
  }

  @Test
  void shouldRemoveWrittenFieldsAndFailWhenHexpireDoesNotApply() {
    // TTL 0 makes HEXPIRE answer 2 (field deleted) instead of 1: the script must undo and fail.
    LuaScript script = new LuaScript(store.keyspace(), LuaScript.resource("streaming-write.lua"));
    raw.hset(key("u1"), "risk_segment", "low");
    Object result = script.evalPipelined(List.of(List.of(key("u1"))), List.of(List.of("0", "1", "tx_count_5m", "4"))).get(0);

    assertThat(result).isInstanceOf(Exception.class);
    assertThat(((Exception) result).getMessage()).contains("HEXPIRE answered 2 for field tx_count_5m");
    assertThat(raw.hexists(key("u1"), "tx_count_5m")).isFalse();
    assertThat(raw.hget(key("u1"), "risk_segment")).isEqualTo("low");
  }

  @Test
  void shouldNotTouchTheKeyTtlOnAStreamingWrite() {
    load("u1");
    raw.expire(key("u1"), 500);

    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("failed_logins_15m", 2L)));

    assertThat(raw.ttl(key("u1"))).isBetween(490L, 500L);
  }

  @Test
  void shouldNotTouchStreamingFieldsOrTheirTtlsOnABatchLoad() {
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 7L)));
    raw.hexpire(key("u1"), 50, "tx_count_5m");

    load("u1");

    assertThat(raw.hget(key("u1"), "tx_count_5m")).isEqualTo("7");
    assertThat(raw.httl(key("u1"), "tx_count_5m").get(0)).isBetween(40L, 50L);
    assertThat(raw.httl(key("u1"), "risk_segment").get(0)).as("batch fields have no field TTL").isEqualTo(-1L);
  }

  @Test
  void shouldRemoveCountsThatReachZeroAndWriteManyEntitiesInOneCall() {
    store.streamingWriter().writeStreaming(List.of(
        StreamingUpdate.set("u1", Map.of("tx_count_5m", 2L, "failed_logins_15m", 1L)),
        StreamingUpdate.set("u2", Map.of("tx_count_5m", 5L))));

    store.streamingWriter().writeStreaming(List.of(
        new StreamingUpdate("u1", Map.of("tx_count_5m", 1L), Set.of("failed_logins_15m")),
        new StreamingUpdate("u2", Map.of(), Set.of("tx_count_5m"))));

    assertThat(raw.hgetAll(key("u1"))).containsExactly(Map.entry("tx_count_5m", "1"));
    assertThat(raw.exists(key("u2"))).as("a hash whose last field is removed is gone").isFalse();
  }

  @Test
  void shouldWriteAnotherEntitysStreamingFeaturesUnderItsOwnPrefixInTheSameCall() {
    String merchantKey = registry.forEntity("merchant").keyOf("m-" + registry.keyPrefix().hashCode());
    String merchantId = registry.forEntity("merchant").entityIdOf(merchantKey);
    try {
      store.streamingWriter().writeStreaming(List.of(
          StreamingUpdate.set("u1", Map.of("tx_count_5m", 2L)),
          new StreamingUpdate("merchant", merchantId, Map.of("merchant_tx_count_1h", 7L), Set.of(), Map.of(), 0)));

      assertThat(raw.hgetAll(key("u1"))).containsExactly(Map.entry("tx_count_5m", "2"));
      assertThat(raw.hgetAll(merchantKey)).containsExactly(Map.entry("merchant_tx_count_1h", "7"));
      assertThat(raw.httl(merchantKey, "merchant_tx_count_1h").get(0)).isBetween(1L, 120L);
      assertThatThrownBy(() -> store.streamingWriter().writeStreaming(
          new StreamingUpdate("merchant", merchantId, Map.of("tx_count_5m", 1L), Set.of(), Map.of(), 0)))
          .isInstanceOf(UnknownFeatureException.class)
          .hasMessageContaining("not a streaming feature of merchant: tx_count_5m");
      assertThatThrownBy(() -> store.streamingWriter().writeStreaming(
          new StreamingUpdate("store", "s1", Map.of("tx_count_5m", 1L), Set.of(), Map.of(), 0)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("unknown entity 'store'");
    } finally {
      raw.del(merchantKey);
    }
  }

  @Test
  void shouldValidateEveryUpdateBeforeWritingAny() {
    List<StreamingUpdate> updates = List.of(
        StreamingUpdate.set("u1", Map.of("tx_count_5m", 1L)),
        StreamingUpdate.set("u2", Map.of("risk_segment", "high")));
    assertThatThrownBy(() -> store.streamingWriter().writeStreaming(updates))
        .isInstanceOf(UnknownFeatureException.class).hasMessageContaining("not a streaming feature of user: risk_segment");
    assertThatThrownBy(() -> store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", "many"))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'many' is not an integer");
    assertThatThrownBy(() -> store.streamingWriter().writeStreaming(StreamingUpdate.set("bad id", Map.of("tx_count_5m", 1L))))
        .isInstanceOf(InvalidInputException.class);
    assertThat(raw.exists(key("u1"))).isFalse();
  }

  @Test
  void shouldReportAKeyThatRedisRejectsAndStillWriteEveryOtherEntity() {
    raw.set(key("u1"), "not a hash");

    List<WriteRejection> rejected = store.streamingWriter().writeStreaming(List.of(
        StreamingUpdate.set("u0", Map.of("tx_count_5m", 1L)),
        StreamingUpdate.set("u1", Map.of("tx_count_5m", 1L)),
        StreamingUpdate.set("u2", Map.of("tx_count_5m", 2L))));

    assertThat(rejected).singleElement().satisfies(r -> {
      assertThat(r.entityId()).isEqualTo("u1");
      assertThat(r.key()).isEqualTo(key("u1"));
      assertThat(r.reason()).contains("WRONGTYPE");
    });
    assertThat(raw.get(key("u1"))).as("the foreign key is left as it was").isEqualTo("not a hash");
    assertThat(raw.hget(key("u0"), "tx_count_5m")).isEqualTo("1");
    assertThat(raw.hget(key("u2"), "tx_count_5m")).isEqualTo("2");
  }

  @Test
  void shouldTellAnUnavailableRedisFromARejectedKey() {
    int closedPort = io.featurestore.infra.FreePorts.next();
    try (FeatureStore down = new RedisFeatureStore(RedisFeatureStore.keyspace(
        RedisConnection.url("redis://127.0.0.1:" + closedPort)), registry)) {
      assertThatThrownBy(() -> down.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 1L))))
          .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("unavailable");
      assertThatThrownBy(() -> down.reader().get("u1", List.of("tx_count_5m"), false))
          .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("reading 1 entities");
      assertThatThrownBy(() -> down.admin().reset()).isInstanceOf(StoreUnavailableException.class);
      assertThatThrownBy(() -> down.bulkLoader().bulkLoad(List.of(new EntityRow("u1", BATCH_ROW)).iterator(), 10, 10, 1,
          n -> { })).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("bulk load failed after 0 rows");
    }
    raw.set(key("u2"), "a string, not a hash");
    assertThat(store.reader().get("u2", List.of("tx_count_5m"), false).error())
        .as("a read reports the key, and serves the others").hasValueSatisfying(e -> assertThat(e).contains("WRONGTYPE"));
    assertThatThrownBy(() -> store.bulkLoader().bulkLoad(List.of(new EntityRow("u2", BATCH_ROW)).iterator(), 10, 10, 1,
        n -> { })).isInstanceOf(StoreRejectedException.class).hasMessageContaining("WRONGTYPE");
  }

  @Test
  void shouldKeepAFixedExpiryWhenAFieldIsRewritten() {
    long expireAt = System.currentTimeMillis() + 30_000;
    store.streamingWriter().writeStreaming(new StreamingUpdate("u1", Map.of("tx_count_5m", 1L), Set.of(),
        Map.of("last_device_id", "ios-1", "last_login_ts", 1000L), expireAt));
    store.streamingWriter().writeStreaming(new StreamingUpdate("u1", Map.of(), Set.of(), Map.of("last_device_id", "ios-1"), expireAt));

    assertThat(raw.hpexpireTime(key("u1"), "last_device_id", "last_login_ts")).containsExactly(expireAt, expireAt);
    assertThat(raw.httl(key("u1"), "tx_count_5m").get(0)).as("the other fields get the stream TTL").isPositive();
  }

  @Test
  void shouldDeleteAFieldWhoseFixedExpiryHasPassedInsteadOfLeavingItWithoutATtl() {
    store.streamingWriter().writeStreaming(new StreamingUpdate("u1", Map.of("tx_count_5m", 1L), Set.of(),
        Map.of("last_device_id", "ios-1"), System.currentTimeMillis() - 1));

    assertThat(raw.hgetAll(key("u1"))).containsOnlyKeys("tx_count_5m");
  }

  @Test
  void shouldReloadTheScriptAfterTheServerForgetsIt() {
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 1L)));
    flushScripts();
    store.streamingWriter().writeStreaming(List.of(StreamingUpdate.set("u1", Map.of("tx_count_5m", 2L)),
        StreamingUpdate.set("u2", Map.of("tx_count_5m", 3L))));
    assertThat(raw.hget(key("u1"), "tx_count_5m")).isEqualTo("2");
    assertThat(raw.hget(key("u2"), "tx_count_5m")).isEqualTo("3");
  }

  @Test
  void shouldNoticeWhenAnyMasterLosesTheDataSetItWroteTo() {
    RedisStreamingWriter writer = store.streamingWriter();
    assertThat(writer.streamingServerResets()).isZero();
    writer.checkDataSet();
    List<String> markers = writer.dataSetMarkers();
    assertThat(markers).as("one marker per master").hasSize(masters());
    assertThat(markers).allSatisfy(marker -> assertThat(raw.ttl(marker)).as("the marker expires if nobody renews it").isPositive());
    assertThat(writer.streamingServerResets()).isZero();

    long losses = 0;
    for (String marker : markers) {
      raw.del(marker); // as after that master's restart without persistence, or FLUSHALL
      writer.checkDataSet();
      assertThat(writer.streamingServerResets()).as("%s gone", marker).isEqualTo(++losses);
      writer.checkDataSet();
      assertThat(writer.streamingServerResets()).as("once per loss").isEqualTo(losses);
    }
    markers.forEach(raw::del);
  }

  @Test
  void shouldReadTypedValuesAndListMissingFields() {
    load("u1");
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L)));

    FeatureVector v = store.reader().get("u1", List.of("risk_segment", "avg_amount_30d", "tx_count_5m", "failed_logins_15m"), false);

    assertThat(v.found()).isTrue();
    assertThat(v.values()).containsExactly(Map.entry("risk_segment", "low"), Map.entry("avg_amount_30d", 52.75),
        Map.entry("tx_count_5m", 3L));
    assertThat(v.missing()).containsExactly("failed_logins_15m");
    assertThat(v.ttlSeconds()).isEmpty();
    assertThat(v.keyTtlSeconds()).isEmpty();
  }

  @Test
  void shouldTellAnAbsentEntityFromOneWithoutTheRequestedFields() {
    load("u1");
    assertThat(store.reader().get("u1", List.of("tx_count_5m"), false).found()).isTrue();
    assertThat(store.reader().get("nobody", List.of("tx_count_5m"), false).found()).isFalse();
    assertThat(store.reader().get("nobody", List.of("tx_count_5m"), true).found()).isFalse();
    assertThat(store.reader().get("u1", List.of("tx_count_5m"), true).found()).isTrue();
  }

  @Test
  void shouldReportFreshnessInTheSameRead() {
    load("u1");
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L)));

    FeatureVector v = store.reader().get("u1", List.of("risk_segment", "tx_count_5m", "failed_logins_15m"), true);

    assertThat(v.ttlSeconds()).containsOnlyKeys("tx_count_5m");
    assertThat(v.ttlSeconds().get("tx_count_5m")).isBetween(110L, 120L);
    assertThat(v.keyTtlSeconds().orElseThrow()).isBetween(990L, 1000L);
  }

  @Test
  void shouldReadABatchInRequestOrder() {
    load("u1", "u3");
    List<FeatureVector> batch = store.reader().getBatch(List.of("u3", "u2", "u1"), List.of("country_iso", "tx_count_7d"), false);

    assertThat(batch).extracting(FeatureVector::entityId).containsExactly("u3", "u2", "u1");
    assertThat(batch).extracting(FeatureVector::found).containsExactly(true, false, true);
    assertThat(batch.get(1).missing()).containsExactly("country_iso", "tx_count_7d");
    assertThat(batch.get(2).values()).containsEntry("tx_count_7d", 14L);
  }

  @Test
  void shouldReadRowsAcrossEntitiesInRequestOrderTyped() {
    withUserAndMerchant(() -> {
      List<Map<String, FeatureVector>> rows = store.reader().getRows(
          List.of(row("u1", "m1"), row("u2", "m1"), row("u1", "m9"), row("u2", "m9")), ACROSS, false);

      assertThat(rows).hasSize(4);
      assertThat(rows).allSatisfy(r -> assertThat(r.keySet()).as("entities in the order first named")
          .containsExactly("user", "merchant"));
      Map<String, FeatureVector> first = rows.get(0);
      assertThat(first.get("user").entityId()).isEqualTo("u1");
      assertThat(first.get("user").values()).containsExactly(Map.entry("risk_segment", "low"), Map.entry("tx_count_5m", 3L));
      assertThat(first.get("merchant").values()).containsExactly(Map.entry("merchant_category", "grocery"),
          Map.entry("merchant_tx_count_1h", 12L), Map.entry("merchant_age_days", 730L));
      assertThat(first.get("merchant").missing()).isEmpty();
      assertThat(first.get("merchant").ttlSeconds()).as("no freshness asked").isEmpty();
      assertThat(rows.get(1).get("user").found()).isFalse();
      assertThat(rows.get(1).get("user").missing()).containsExactly("risk_segment", "tx_count_5m");
      assertThat(rows.get(1).get("merchant").found()).isTrue();
      assertThat(rows.get(2).get("user").found()).isTrue();
      assertThat(rows.get(2).get("merchant").entityId()).isEqualTo("m9");
      assertThat(rows.get(2).get("merchant").found()).isFalse();
      assertThat(rows.get(3).values()).noneMatch(FeatureVector::found);

      // One row, one entity: the single-HMGET path.
      assertThat(store.reader().getRows(List.of(row(null, "m1")),
          List.of(new FeatureRef("merchant", "merchant_risk_tier")), false).get(0).get("merchant").values())
          .containsExactly(Map.entry("merchant_risk_tier", "medium"));
      // An entity that exists but has none of the fields asked for is found (EXISTS tells).
      assertThat(store.reader().getRows(List.of(row("u1", "m1"), row("u1", "m9")),
          List.of(new FeatureRef("user", "failed_logins_15m"), new FeatureRef("merchant", "merchant_tx_count_1h")), false))
          .extracting(r -> r.get("user").found() + "/" + r.get("merchant").found()).containsExactly("true/true", "true/false");
    });
  }

  @Test
  void shouldServeTheOtherEntitiesWhenOneKeyIsNotAHash() {
    load("u1");
    raw.set(key("u2"), "a string"); // a foreign key of another type under the prefix
    load("u3");
    raw.hset(key("u3"), "tx_count_7d", "fourteen"); // a value of another type, written by something else

    for (boolean freshness : new boolean[] {false, true}) {
      List<FeatureVector> batch = store.reader().getBatch(List.of("u1", "u2", "u3", "u4"),
          List.of("risk_segment", "tx_count_7d"), freshness);

      assertThat(batch.get(0).values()).as("freshness %s", freshness).containsEntry("tx_count_7d", 14L);
      assertThat(batch.get(0).error()).isEmpty();
      assertThat(batch.get(1).found()).isFalse();
      assertThat(batch.get(1).missing()).containsExactly("risk_segment", "tx_count_7d");
      assertThat(batch.get(1).error().orElseThrow()).startsWith("key '" + key("u2") + "' cannot be read as a hash: WRONGTYPE");
      assertThat(batch.get(2).found()).isTrue();
      assertThat(batch.get(2).values()).containsOnlyKeys("risk_segment");
      assertThat(batch.get(2).missing()).as("a value its type cannot read is missing").containsExactly("tx_count_7d");
      assertThat(batch.get(2).error()).contains(key("u3") + ": feature 'tx_count_7d' (int): 'fourteen' is not an integer;"
          + " served as missing");
      assertThat(batch.get(3).found()).isFalse();
      assertThat(batch.get(3).error()).isEmpty();
    }
    assertThat(store.reader().get("u2", List.of("risk_segment"), false).error()).as("one key, one HMGET").isPresent();
  }

  @Test
  void shouldNeverServeAValueAsAnotherTypeThanItsFeatures() {
    raw.hset(key("u1"), Map.of("avg_amount_30d", "NaN", "account_age_days", "1e3", "country_iso", "DE"));
    raw.hset(key("u2"), "avg_amount_30d", "Infinity");

    FeatureVector u1 = store.reader().get("u1", List.of("country_iso", "account_age_days", "avg_amount_30d"), false);
    assertThat(u1.found()).isTrue();
    assertThat(u1.values()).containsExactly(Map.entry("country_iso", "DE"));
    assertThat(u1.missing()).containsExactly("account_age_days", "avg_amount_30d");
    assertThat(u1.error()).contains(key("u1") + ": feature 'account_age_days' (int): '1e3' is not an integer;"
        + " feature 'avg_amount_30d' (double): 'NaN' is not a finite number; served as missing");
    FeatureVector u2 = store.reader().get("u2", List.of("avg_amount_30d"), true);
    assertThat(u2.found()).as("its only field asked for cannot be read, but the hash exists").isTrue();
    assertThat(u2.values()).isEmpty();
    assertThat(u2.ttlSeconds()).isEmpty();
    assertThat(u2.error()).hasValueSatisfying(e -> assertThat(e).contains("'Infinity' is not a finite number"));
    assertThat(store.reader().inspect("u1").orElseThrow().values()).as("inspection shows what is stored")
        .containsEntry("account_age_days", "1e3").containsEntry("avg_amount_30d", "NaN");
  }

  @Test
  void shouldReportFreshnessOfEveryEntityOfARow() {
    withUserAndMerchant(() -> {
      List<Map<String, FeatureVector>> rows = store.reader().getRows(List.of(row("u1", "m1"), row("u1", "m9")), ACROSS, true);

      FeatureVector user = rows.get(0).get("user");
      FeatureVector merchant = rows.get(0).get("merchant");
      assertThat(user.ttlSeconds()).containsOnlyKeys("tx_count_5m");
      assertThat(user.ttlSeconds().get("tx_count_5m")).isBetween(110L, 120L);
      assertThat(user.keyTtlSeconds().orElseThrow()).isBetween(990L, 1000L);
      assertThat(merchant.ttlSeconds()).containsOnlyKeys("merchant_tx_count_1h");
      assertThat(merchant.ttlSeconds().get("merchant_tx_count_1h")).isBetween(90L, 100L);
      assertThat(merchant.keyTtlSeconds().orElseThrow()).isBetween(990L, 1000L);
      assertThat(rows.get(1).get("merchant").found()).isFalse();
      assertThat(rows.get(1).get("merchant").keyTtlSeconds()).isEmpty();
    });
  }

  @Test
  void shouldRefuseRowsThatDoNotFitTheFeaturesBeforeAskingRedis() {
    FeatureReader reader = store.reader();
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", "m1"), row("u1", null)), ACROSS, false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("row 1 has no merchant id");
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", "m1")), List.of(new FeatureRef("user", "risk_segment")), false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("row 0 gives a merchant id")
        .hasMessageContaining("no requested feature is a merchant's");
    assertThatThrownBy(() -> reader.getRows(List.of(Map.of("shop", "s1")), ACROSS, false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("entity 'shop'");
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", "m:1")), ACROSS, false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("malformed merchant id 'm:1'");
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", "m1")), List.of(new FeatureRef("merchant", "nope"),
        new FeatureRef("user", "merchant_category"), new FeatureRef("shop", "x")), false))
        .isInstanceOfSatisfying(UnknownFeatureException.class, e -> {
          assertThat(e.unknown()).containsExactly("merchant.nope", "user.merchant_category", "shop.x");
          assertThat(e.allowed()).contains("user.risk_segment", "merchant.merchant_tx_count_1h");
        });
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", null)), List.of(new FeatureRef("user", "risk_segment"),
        new FeatureRef("user", "risk_segment")), false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> reader.getRows(List.of(row("u1", null)), List.of(), false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no features requested");
  }

  @Test
  void shouldInspectAnEntityOfAnotherKind() {
    withMerchants(merchants -> {
      loadMerchants(merchants, "m1");
      EntityInspection inspection = store.reader().inspect("merchant", "m1").orElseThrow();
      assertThat(inspection.key()).isEqualTo(merchantKey("m1"));
      assertThat(inspection.values()).containsExactly(Map.entry("merchant_category", "grocery"),
          Map.entry("merchant_risk_tier", "medium"), Map.entry("merchant_age_days", 730L));
      assertThat(store.reader().inspect("merchant", "m9")).isEmpty();
      assertThatThrownBy(() -> store.reader().inspect("shop", "m1")).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("unknown entity 'shop'");
    });
  }

  @Test
  void shouldInspectEveryFieldWithItsTtl() {
    load("u1");
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L)));
    raw.hset(key("u1"), "legacy_field", "x");

    EntityInspection inspection = store.reader().inspect("u1").orElseThrow();

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("country_iso", "DE");
    assertThat(inspection.values()).containsAllEntriesOf(expected).containsEntry("tx_count_5m", 3L)
        .containsEntry("legacy_field", "x").hasSize(8);
    assertThat(inspection.fieldTtlSeconds().get("country_iso")).isEqualTo(-1L);
    assertThat(inspection.fieldTtlSeconds().get("tx_count_5m")).isBetween(110L, 120L);
    assertThat(inspection.keyTtlSeconds().orElseThrow()).isBetween(990L, 1000L);
    assertThat(inspection.fieldCount()).isEqualTo(8);
    assertThat(inspection.fieldsNotShown()).isZero();
    assertThat(store.reader().inspect("nobody")).isEmpty();
  }

  @Test
  void shouldInspectOnlyTheRegistrysFeaturesOfAHashOfTooManyFields() {
    load("u1");
    store.streamingWriter().writeStreaming(StreamingUpdate.set("u1", Map.of("tx_count_5m", 3L)));
    // More fields than a Lua script may unpack (8,000), written by something else.
    Map<String, String> foreign = new LinkedHashMap<>();
    IntStream.range(0, 10_000).forEach(i -> foreign.put("f" + i, "x"));
    raw.hset(key("u1"), foreign);

    EntityInspection inspection = store.reader().inspect("u1").orElseThrow();

    assertThat(inspection.values()).containsEntry("country_iso", "DE").containsEntry("tx_count_5m", 3L).hasSize(7);
    assertThat(inspection.fieldTtlSeconds().get("tx_count_5m")).isPositive();
    assertThat(inspection.fieldCount()).isEqualTo(10_007);
    assertThat(inspection.fieldsNotShown()).isEqualTo(10_000);

    raw.hdel(key("u1"), foreign.keySet().stream().skip(EntityInspection.MAX_FIELDS_SHOWN - 7).toArray(String[]::new));
    EntityInspection atTheLimit = store.reader().inspect("u1").orElseThrow();
    assertThat(atTheLimit.values()).as("every field, up to the limit").hasSize(EntityInspection.MAX_FIELDS_SHOWN);
    assertThat(atTheLimit.fieldsNotShown()).isZero();
  }

  @Test
  void shouldResetOnlyKeysUnderThePrefix() {
    load("u1", "u2");
    raw.set("other:key", "kept");
    try {
      assertThat(store.admin().reset()).isEqualTo(2);
      assertThat(raw.exists(key("u1"))).isFalse();
      assertThat(raw.get("other:key")).isEqualTo("kept");
    } finally {
      raw.del("other:key");
    }
  }

  @Test
  void shouldCountEntitiesAndSampleTheirTtls() {
    load("u1", "u2", "u3");
    StoreStats stats = store.admin().stats(2);
    assertThat(stats.entities()).isEqualTo(3);
    assertThat(stats.sampleKeyTtls()).hasSize(2).allSatisfy((id, ttl) -> assertThat(ttl).isBetween(990L, 1000L));
  }

  @Test
  void shouldKeepHeartbeatsWithAFieldTtlOutsideTheEntityCount() {
    load("u1");
    store.streamingWriter().writeHeartbeat(new Heartbeat("host-1", "RUNNING", 1000L, 900L, 42L), 5);

    assertThat(store.reader().processorHeartbeats()).containsExactly(new Heartbeat("host-1", "RUNNING", 1000L, 900L, 42L));
    assertThat(raw.httl(Heartbeat.keyFor(registry), "host-1").get(0)).isBetween(1L, 5L);
    assertThat(Heartbeat.keyFor(registry)).startsWith("fs:meta:").endsWith(registry.keyPrefix());
    assertThat(store.admin().stats(10).entities()).as("the heartbeat hash is not an entity").isEqualTo(1);
    assertThat(store.admin().reset()).as("a reset removes entities, not heartbeats").isEqualTo(1);
    assertThat(store.reader().processorHeartbeats()).hasSize(1);

    store.streamingWriter().removeHeartbeat("host-1");
    assertThat(store.reader().processorHeartbeats()).isEmpty();
  }

  @Test
  void shouldReportTheServerVersion() {
    assertThat(store.reader().checkServerVersion().supportsFieldTtl()).isTrue();
    assertThatThrownBy(() -> FeatureStore.connect("redis://127.0.0.1:1", registry))
        .isInstanceOf(FeatureStoreException.class).hasMessageContaining("cannot reach Redis at redis://127.0.0.1:1");
  }

  @Test
  void shouldRefuseAMalformedRedisUrlNamingItWithoutItsPassword() {
    for (String url : List.of("notaurl", "redis://127.0.0.1:notaport", "redis://:hunter2@host:port", "hunter2@host")) {
      assertThatThrownBy(() -> FeatureStore.connect(url, registry)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("is not a Redis URL").hasMessageNotContaining("hunter2");
    }
  }
}
