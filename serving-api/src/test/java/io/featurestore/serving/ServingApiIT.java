package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.core.Heartbeat;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

/**
 * Every endpoint and every input rule of the serving API, over HTTP against a real Redis.
 * Users u0001 … u0060 are bulk-loaded; u0001 also has every streaming field; u0900 has only
 * streaming fields (no key TTL); u0002 carries a field the registry does not know. Merchants
 * m001 … m020 are bulk-loaded too; m001 also has its streaming count.
 */
@ExtendWith(RedisExtension.class)
class ServingApiIT {
  private static final String PREFIX = "it:serving-api:";
  private static TestServer server;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    server = TestServer.start(redis.url(), PREFIX);
    server.loadUsers(60);
    long now = System.currentTimeMillis();
    server.store.streamingWriter().writeStreaming(List.of(
        StreamingUpdate.set("u0001", Map.of("tx_count_5m", 3L, "failed_logins_15m", 1L, "last_login_ts", now - 5_000,
            "last_device_id", "ios-9f02", "session_country", "DE")),
        StreamingUpdate.set("u0900", Map.of("tx_count_5m", 2L))));
    server.loadMerchants(20);
    try (RedisClient raw = RedisClient.create(redis.url())) {
      raw.hset(PREFIX + "u0002", "legacy_score", "0.7");
      String merchant = server.registry.forEntity("merchant").keyOf("m001");
      raw.hset(merchant, "merchant_tx_count_1h", "41");
      raw.hexpire(merchant, 250, "merchant_tx_count_1h");
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> get(String path, String... headers) {
    return server.get(path, headers);
  }

  private static HttpResponse<String> post(String path, String body) {
    return server.post(path, body);
  }

  private static JsonNode json(HttpResponse<String> response) {
    return TestServer.json(response);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void assertBadRequest(HttpResponse<String> response, String... messageParts) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(json(response).path("error").asText()).contains(messageParts);
  }

  // ---------------------------------------------------------------- single read
  @Test
  void shouldReturnTypedValuesFromTheRegistry() {
    HttpResponse<String> response = get("/v1/features/u0001?features=country_iso,account_age_days,avg_amount_30d,"
        + "tx_count_5m,last_login_ts,last_device_id");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.path("entity_id").asText()).isEqualTo("u0001");
    assertThat(body.path("found").asBoolean()).isTrue();
    JsonNode features = body.path("features");
    assertThat(features.path("country_iso").isTextual()).isTrue();
    assertThat(features.path("account_age_days").isIntegralNumber()).isTrue();
    assertThat(features.path("avg_amount_30d").isNumber()).isTrue();
    assertThat(features.path("tx_count_5m").asLong()).isEqualTo(3);
    assertThat(features.path("tx_count_5m").isIntegralNumber()).isTrue();
    assertThat(features.path("last_login_ts").isIntegralNumber()).isTrue();
    assertThat(features.path("last_device_id").asText()).isEqualTo("ios-9f02");
    assertThat(texts(body.path("missing"))).isEmpty();
    assertThat(body.has("ttl_seconds")).isFalse();
    assertThat(body.has("key_ttl_seconds")).isFalse();
  }

  @Test
  void shouldKeepTheRequestedOrder() {
    JsonNode body = json(get("/v1/features/u0001?features=tx_count_5m,country_iso,risk_segment"));
    List<String> names = new ArrayList<>();
    body.path("features").fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("tx_count_5m", "country_iso", "risk_segment");
  }

  @Test
  void shouldListAbsentFeaturesAsMissingAndNeverAsNull() {
    JsonNode body = json(get("/v1/features/u0002?features=country_iso,tx_count_5m,failed_logins_15m"));
    assertThat(body.path("features").has("country_iso")).isTrue();
    assertThat(body.path("features").has("tx_count_5m")).isFalse();
    assertThat(texts(body.path("missing"))).containsExactly("tx_count_5m", "failed_logins_15m");
    assertThat(server.get("/v1/features/u0002?features=tx_count_5m").body()).doesNotContain("null");
  }

  @Test
  void shouldAnswerFoundWhenTheEntityExistsButNoneOfTheRequestedFieldsDo() {
    HttpResponse<String> response = get("/v1/features/u0002?features=tx_count_5m");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).path("found").asBoolean()).isTrue();
    assertThat(texts(json(response).path("missing"))).containsExactly("tx_count_5m");
  }

  @Test
  void shouldReadEveryFeatureOfANamedService() {
    JsonNode body = json(get("/v1/features/u0001?service=login_risk_v1"));
    List<String> answered = new ArrayList<>();
    body.path("features").fieldNames().forEachRemaining(answered::add);
    answered.addAll(texts(body.path("missing")));
    assertThat(answered).containsExactlyInAnyOrderElementsOf(
        server.registry.services().get("login_risk_v1").features());
  }

  @Test
  void shouldAddFieldAndKeyTtlsWithFreshness() {
    JsonNode body = json(get("/v1/features/u0001?features=country_iso,tx_count_5m,last_device_id&freshness=true"));
    JsonNode ttls = body.path("ttl_seconds");
    assertThat(ttls.path("tx_count_5m").asLong()).isBetween(1L, server.registry.streamTtlSeconds());
    assertThat(ttls.path("last_device_id").asLong()).isBetween(1L, server.registry.streamTtlSeconds());
    assertThat(ttls.has("country_iso")).as("batch fields live under the key TTL").isFalse();
    assertThat(body.path("key_ttl_seconds").asLong()).isBetween(1L, server.registry.batchTtlSeconds());
  }

  @Test
  void shouldOmitTheKeyTtlWhenTheKeyHasNone() {
    JsonNode body = json(get("/v1/features/u0900?features=tx_count_5m,country_iso&freshness=true"));
    assertThat(body.path("ttl_seconds").path("tx_count_5m").asLong()).isPositive();
    assertThat(body.has("key_ttl_seconds")).isFalse();
    assertThat(texts(body.path("missing"))).containsExactly("country_iso");
  }

  @Test
  void shouldAnswer404ExpiredOrNeverLoadedForAnAbsentEntity() {
    HttpResponse<String> response = get("/v1/features/u9999?features=country_iso");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("error").asText()).contains("expired or never loaded");
    assertThat(json(response).path("entity_id").asText()).isEqualTo("u9999");
  }

  @Test
  void shouldAcceptRepeatedFeatureParametersAndBlanksAroundNames() {
    JsonNode body = json(get("/v1/features/u0001?features=country_iso&features=%20risk_segment%20,tx_count_5m"));
    assertThat(body.path("features").size()).isEqualTo(3);
  }

  @Test
  void shouldTellTheStoreTimeInAServerTimingHeader() {
    HttpResponse<String> response = get("/v1/features/u0001?features=country_iso");
    assertThat(response.headers().firstValue("Server-Timing").orElse("")).matches("store;dur=\\d+\\.\\d{3}");
  }










  // ---------------------------------------------------------------- batch read
  @Test
  void shouldAnswerInRequestOrderWithDuplicatesAndAbsentEntities() {
    HttpResponse<String> response = post("/v1/features/batch",
        "{\"entity_ids\":[\"u0003\",\"u9999\",\"u0001\",\"u0003\"],\"features\":[\"country_iso\",\"tx_count_5m\"]}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode results = json(response).path("results");
    assertThat(results.size()).isEqualTo(4);
    List<String> ids = new ArrayList<>();
    results.forEach(r -> ids.add(r.path("entity_id").asText()));
    assertThat(ids).containsExactly("u0003", "u9999", "u0001", "u0003");

    JsonNode absent = results.get(1);
    assertThat(absent.path("found").asBoolean()).isFalse();
    assertThat(absent.path("features").size()).isZero();
    assertThat(texts(absent.path("missing"))).containsExactly("country_iso", "tx_count_5m");

    JsonNode full = results.get(2);
    assertThat(full.path("found").asBoolean()).isTrue();
    assertThat(full.path("features").path("tx_count_5m").asLong()).isEqualTo(3);
    assertThat(results.get(0)).isEqualTo(results.get(3));
  }

  @Test
  void shouldServeTheRestOfABatchWhenAForeignKeyUnderThePrefixIsNotAHash(RedisEndpoint redis) {
    try (RedisClient raw = RedisClient.create(redis.url())) {
      raw.set(PREFIX + "u0777", "written by something else");
      try {
        for (String freshness : new String[] {"false", "true"}) {
          HttpResponse<String> response = post("/v1/features/batch", "{\"entity_ids\":[\"u0003\",\"u0777\",\"u0001\"],"
              + "\"features\":[\"country_iso\",\"tx_count_5m\"],\"freshness\":" + freshness + "}");
          assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
          JsonNode results = json(response).path("results");
          assertThat(results.get(0).path("found").asBoolean()).isTrue();
          assertThat(results.get(1).path("found").asBoolean()).isFalse();
          assertThat(results.get(1).path("error").asText()).contains(PREFIX + "u0777").contains("WRONGTYPE");
          assertThat(results.get(2).path("features").path("tx_count_5m").asLong()).isEqualTo(3);
        }
        assertThat(get("/v1/features/u0777?features=country_iso").statusCode()).isEqualTo(500);
      } finally {
        raw.del(PREFIX + "u0777");
      }
    }
  }

  @Test
  void shouldServeAValueOfAnotherTypeAsMissingNamingItAndTheRestAsUsual(RedisEndpoint redis) {
    try (RedisClient raw = RedisClient.create(redis.url())) {
      raw.hset(PREFIX + "u0778", Map.of("country_iso", "NL", "tx_count_5m", "fourteen", "avg_amount_30d", "NaN"));
      try {
        HttpResponse<String> one = get("/v1/features/u0778?features=country_iso,tx_count_5m,avg_amount_30d");
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        JsonNode read = json(one);
        assertThat(read.path("found").asBoolean()).isTrue();
        assertThat(read.path("features").path("country_iso").asText()).isEqualTo("NL");
        assertThat(read.path("features").has("tx_count_5m")).as("never served as a string").isFalse();
        assertThat(texts(read.path("missing"))).containsExactly("tx_count_5m", "avg_amount_30d");
        assertThat(read.path("error").asText()).contains(PREFIX + "u0778")
            .contains("feature 'tx_count_5m' (int): 'fourteen' is not an integer")
            .contains("feature 'avg_amount_30d' (double): 'NaN' is not a finite number");

        JsonNode results = json(post("/v1/features/batch", "{\"entity_ids\":[\"u0778\",\"u0001\"],"
            + "\"features\":[\"tx_count_5m\"]}")).path("results");
        assertThat(results.get(0).path("found").asBoolean()).isTrue();
        assertThat(results.get(0).path("error").asText()).contains("'fourteen' is not an integer");
        assertThat(results.get(1).path("features").path("tx_count_5m").asLong()).isEqualTo(3);
        assertThat(results.get(1).has("error")).isFalse();
      } finally {
        raw.del(PREFIX + "u0778");
      }
    }
  }

  @Test
  void shouldInspectOnlyTheRegistrysFeaturesOfAHashOfTooManyFieldsAndSaySo(RedisEndpoint redis) {
    try (RedisClient raw = RedisClient.create(redis.url())) {
      Map<String, String> fields = new java.util.HashMap<>();
      IntStream.range(0, 20_000).forEach(i -> fields.put("junk" + i, "x"));
      fields.put("country_iso", "NL");
      raw.hset(PREFIX + "u0779", fields);
      try {
        HttpResponse<String> response = get("/v1/entities/u0779");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("features").path("country_iso").asText()).isEqualTo("NL");
        assertThat(body.path("features").size()).isEqualTo(1);
        assertThat(body.path("fields_not_shown").asLong()).isEqualTo(20_000);
        assertThat(json(get("/v1/entities/u0001")).has("fields_not_shown")).isFalse();
      } finally {
        raw.del(PREFIX + "u0779");
      }
    }
  }

  @Test
  void shouldReadAServiceWithFreshness() {
    JsonNode results = json(post("/v1/features/batch",
        "{\"entity_ids\":[\"u0001\",\"u0004\"],\"service\":\"fraud_scoring_v1\",\"freshness\":true}")).path("results");
    assertThat(results.get(0).path("ttl_seconds").path("tx_count_5m").asLong()).isPositive();
    assertThat(results.get(1).path("key_ttl_seconds").asLong()).isPositive();
    assertThat(texts(results.get(1).path("missing"))).contains("tx_count_5m", "failed_logins_15m", "session_country");
  }






  // ---------------------------------------------------------------- inspection
  @Test
  void shouldShowEveryFieldWithItsTtlAndTheKeyTtl() {
    HttpResponse<String> response = get("/v1/entities/u0001");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.path("key").asText()).isEqualTo(PREFIX + "u0001");
    // Every batch feature and the five streaming ones written above; the two declared stream
    // features nothing wrote here are absent.
    assertThat(body.path("features").size()).isEqualTo(server.registry.featureNames().size() - 2);
    assertThat(body.path("features").path("tx_count_5m").asLong()).isEqualTo(3);
    Set<String> withTtl = Set.copyOf(iterable(body.path("ttl_seconds")));
    assertThat(withTtl).containsExactlyInAnyOrder("last_login_ts", "last_device_id", "session_country",
        "tx_count_5m", "failed_logins_15m");
    assertThat(body.path("key_ttl_seconds").asLong()).isBetween(1L, server.registry.batchTtlSeconds());
    assertThat(texts(body.path("missing"))).containsExactly("tx_amount_sum_1h", "tx_amount_max_24h");
    assertThat(texts(body.path("unknown_fields"))).isEmpty();
  }

  @Test
  void shouldShowFieldsTheRegistryDoesNotKnowAsRawStrings() {
    JsonNode body = json(get("/v1/entities/u0002"));
    assertThat(body.path("features").path("legacy_score").asText()).isEqualTo("0.7");
    assertThat(texts(body.path("unknown_fields"))).containsExactly("legacy_score");
    assertThat(texts(body.path("missing"))).contains("tx_count_5m", "last_login_ts");
  }

  @Test
  void shouldAnswer404ForAnAbsentEntity() {
    HttpResponse<String> response = get("/v1/entities/u9999");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("error").asText()).contains("expired or never loaded");
  }

  private List<String> iterable(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  // ---------------------------------------------------------------- registry, stream processor, OpenAPI
  @Test
  void shouldDescribeTheRegistryInForce() {
    JsonNode body = json(get("/v1/registry"));
    assertThat(body.path("key_prefix").asText()).isEqualTo(PREFIX);
    assertThat(body.path("max_batch").asInt()).isEqualTo(1000);
    assertThat(body.path("features").size()).isEqualTo(server.registry.featureNames().size());
    JsonNode first = body.path("features").get(0);
    assertThat(first.path("name").asText()).isEqualTo("country_iso");
    assertThat(first.path("type").asText()).isEqualTo("string");
    assertThat(first.path("source").asText()).isEqualTo("batch");
    assertThat(texts(body.path("services").path("user_profile").path("features"))).contains("risk_segment");
  }

  @Test
  void shouldReportTheStreamProcessorLiveFromItsHeartbeatAndDownWithoutOne() {
    JsonNode before = json(get("/v1/stream-processor"));
    assertThat(before.path("live").asBoolean()).isFalse();
    assertThat(before.path("instances").size()).isZero();
    assertThat(before.path("newest_event_age_ms").isNull()).isTrue();

    long now = System.currentTimeMillis();
    server.store.streamingWriter().writeHeartbeat(new Heartbeat("proc-1@test", "RUNNING", now, now - 1_500, 42), 5);
    JsonNode live = json(get("/v1/stream-processor"));
    long sinceWrite = System.currentTimeMillis() - now;
    assertThat(live.path("live").asBoolean()).isTrue();
    assertThat(live.path("newest_event_ts_ms").asLong()).isEqualTo(now - 1_500);
    assertThat(live.path("newest_event_age_ms").asLong()).isBetween(1_500L, 1_500L + sinceWrite);
    JsonNode instance = live.path("instances").get(0);
    assertThat(instance.path("instance_id").asText()).isEqualTo("proc-1@test");
    assertThat(instance.path("state").asText()).isEqualTo("RUNNING");
    assertThat(instance.path("events_total").asLong()).isEqualTo(42);
    assertThat(instance.path("heartbeat_age_ms").asLong()).isBetween(0L, sinceWrite);
    assertThat(instance.path("status").asText()).isEqualTo("OK");
    assertThat(live.path("healthy").asBoolean()).isTrue();

    server.store.streamingWriter().writeHeartbeat(new Heartbeat("proc-1@test", "RUNNING", now, now - 1_500, 42, "STALLED",
        "7 records wait in the input partitions and none was consumed for 31 s", now - 31_000), 5);
    JsonNode stalled = json(get("/v1/stream-processor"));
    assertThat(stalled.path("live").asBoolean()).isTrue();
    assertThat(stalled.path("healthy").asBoolean()).isFalse();
    JsonNode stalledInstance = stalled.path("instances").get(0);
    assertThat(stalledInstance.path("status").asText()).isEqualTo("STALLED");
    assertThat(stalledInstance.path("reason").asText()).startsWith("7 records wait");
    assertThat(stalledInstance.path("status_since_ms").asLong()).isEqualTo(now - 31_000);

    server.store.streamingWriter().removeHeartbeat("proc-1@test");
    assertThat(json(get("/v1/stream-processor")).path("live").asBoolean()).isFalse();
  }

  @Test
  void shouldServeAnOpenApiDocument() {
    HttpResponse<String> response = get("/openapi.json");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).path("openapi").asText()).startsWith("3.");
  }

  // ---------------------------------------------------------------- health, metrics, page, routing
  @Test
  void shouldAnswerLiveAndReady() {
    assertThat(json(get("/health/live")).path("status").asText()).isEqualTo("UP");
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(json(ready).path("status").asText()).isEqualTo("UP");
    assertThat(json(ready).path("redis_version").asText()).matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void shouldExposeLatencyHistogramsRedisErrorsAndHitMissCountsInPrometheusFormat() {
    double hitsBefore = counter(scrape(), "fs_serving_feature_reads_total{entity=\"user\",feature=\"tx_count_5m\",result=\"hit\"}");
    double missesBefore = counter(scrape(), "fs_serving_feature_reads_total{entity=\"user\",feature=\"tx_count_5m\",result=\"miss\"}");
    get("/v1/features/u0001?features=tx_count_5m");
    get("/v1/features/u0003?features=tx_count_5m");
    post("/v1/features/batch", "{\"entity_ids\":[\"u0001\",\"u0004\",\"u0005\"],\"features\":[\"tx_count_5m\"]}");

    HttpResponse<String> response = get("/metrics");
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    String metrics = response.body();
    assertThat(counter(metrics, "fs_serving_feature_reads_total{entity=\"user\",feature=\"tx_count_5m\",result=\"hit\"}"))
        .isEqualTo(hitsBefore + 2);
    assertThat(counter(metrics, "fs_serving_feature_reads_total{entity=\"user\",feature=\"tx_count_5m\",result=\"miss\"}"))
        .isEqualTo(missesBefore + 3);
    assertThat(metrics).contains("http_server_requests_seconds_bucket{method=\"GET\",route=\"/v1/features/{entity_id}\","
        + "status=\"200\",le=\"0.001\"}");
    assertThat(metrics).contains("route=\"/v1/features/batch\"");
    assertThat(metrics).contains("fs_serving_redis_errors_total{kind=\"connection\"}");
    assertThat(metrics).contains("fs_serving_batch_size_entities_count");
    assertThat(metrics).doesNotContain("route=\"/v1/features/u0001\"");
  }

  private String scrape() {
    return get("/metrics").body();
  }

  private double counter(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as(series + " in\n" + metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  // ---------------------------------------------------------------- across entities
  @Test
  void shouldReadAServiceAcrossEntitiesWithFreshnessPerEntity() {
    HttpResponse<String> response = get("/v1/features?user=u0001&merchant=m001&service=fraud_scoring_v2&freshness=true");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode entities = json(response).path("entities");
    List<String> names = new ArrayList<>();
    entities.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("user", "merchant");
    JsonNode user = entities.path("user");
    assertThat(user.path("found").asBoolean()).isTrue();
    assertThat(user.path("features").path("tx_count_5m").asLong()).isEqualTo(3);
    assertThat(user.path("features").path("risk_segment").isTextual()).isTrue();
    assertThat(texts(user.path("missing"))).contains("tx_amount_sum_1h");
    assertThat(user.path("ttl_seconds").path("tx_count_5m").asLong()).isBetween(1L, 300L);
    JsonNode merchant = entities.path("merchant");
    assertThat(merchant.path("entity_id").asText()).isEqualTo("m001");
    assertThat(merchant.path("features").path("merchant_tx_count_1h").asLong()).isEqualTo(41);
    assertThat(List.of("low", "medium", "high")).contains(merchant.path("features").path("merchant_risk_tier").asText());
    assertThat(merchant.path("ttl_seconds").path("merchant_tx_count_1h").asLong()).isBetween(200L, 250L);
    assertThat(merchant.path("key_ttl_seconds").asLong()).isBetween(86_000L, 86_400L);
    assertThat(response.headers().firstValue("Server-Timing").orElse("")).startsWith("store;dur=");
  }

  @Test
  void shouldAnswerFoundFalseForAnAbsentMerchantBesideAFoundUser() {
    JsonNode entities = json(get("/v1/features?user=u0003&merchant=m999&features=user.risk_segment,merchant.merchant_age_days"))
        .path("entities");
    assertThat(entities.path("user").path("found").asBoolean()).isTrue();
    assertThat(entities.path("merchant").path("found").asBoolean()).isFalse();
    assertThat(texts(entities.path("merchant").path("missing"))).containsExactly("merchant_age_days");
  }

  @Test
  void shouldAnswerBatchRowsAcrossEntitiesInRequestOrder() {
    HttpResponse<String> response = post("/v1/features/batch", "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m002\"},"
        + "{\"user\":\"u9999\",\"merchant\":\"m001\"},{\"user\":\"u0005\",\"merchant\":\"m999\"}],"
        + "\"features\":[\"merchant.merchant_category\",\"user.tx_count_7d\",\"merchant.merchant_tx_count_1h\"]}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode results = json(response).path("results");
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.get(0).path("entities").path("merchant").path("entity_id").asText()).isEqualTo("m002");
    assertThat(results.get(0).path("entities").path("merchant").path("features").path("merchant_category").isTextual()).isTrue();
    assertThat(results.get(0).path("entities").path("user").path("features").path("tx_count_7d").isIntegralNumber()).isTrue();
    assertThat(results.get(1).path("entities").path("user").path("found").asBoolean()).isFalse();
    assertThat(results.get(1).path("entities").path("merchant").path("features").path("merchant_tx_count_1h").asLong())
        .isEqualTo(41);
    assertThat(results.get(2).path("entities").path("merchant").path("found").asBoolean()).isFalse();
    assertThat(results.get(2).path("entities").path("user").path("found").asBoolean()).isTrue();
  }

  @Test
  void shouldRefuseReadsAcrossEntitiesThatBreakARule() {
    assertBadRequest(get("/v1/features?user=u0001&service=fraud_scoring_v2"), "no merchant id");
    assertBadRequest(get("/v1/features?user=u0001&merchant=m001&service=user_profile"), "'merchant=' is given");
    assertBadRequest(get("/v1/features?user=u0001&shop=s1&service=user_profile"), "unknown parameter 'shop'");
    assertBadRequest(get("/v1/features?user=u0001&merchant=m%2A&service=fraud_scoring_v2"), "malformed merchant id");
    assertBadRequest(post("/v1/features/batch", "{\"rows\":[{\"user\":\"u0001\"}],\"service\":\"fraud_scoring_v2\"}"),
        "rows[0] has no merchant id");
    assertBadRequest(get("/v1/features/u0001?service=fraud_scoring_v2"), "reads user and merchant features",
        "/v1/features?user=ID&merchant=ID&service=fraud_scoring_v2");
  }

  @Test
  void shouldInspectAMerchant() {
    HttpResponse<String> response = get("/v1/entities/m001?entity=merchant");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode view = json(response);
    assertThat(view.path("key").asText()).isEqualTo("m" + PREFIX + "m001");
    assertThat(view.path("features").path("merchant_tx_count_1h").asLong()).isEqualTo(41);
    assertThat(view.path("ttl_seconds").path("merchant_tx_count_1h").asLong()).isBetween(1L, 250L);
    assertThat(texts(view.path("unknown_fields"))).isEmpty();
    assertThat(get("/v1/entities/m999?entity=merchant").statusCode()).isEqualTo(404);
  }

  @Test
  void shouldServeThePageAndItsAssets() {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'");
    assertThat(page.body()).contains("/assets/app.js", "/assets/style.css");
    assertThat(get("/assets/app.js").statusCode()).isEqualTo(200);
    assertThat(get("/assets/style.css").headers().firstValue("Content-Type").orElse("")).startsWith("text/css");
  }

}
