package io.featurestore.serving;

import static io.featurestore.serving.InMemoryServer.assertBadRequest;
import static io.featurestore.serving.InMemoryServer.json;
import static io.featurestore.serving.InMemoryServer.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.StoreUnavailableException;
import io.javalin.testtools.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads across entities over HTTP, with Javalin's test tools and a reader held in memory, no
 * Redis: {@code GET /v1/features?user=…&merchant=…} and batch {@code rows}, their answers' shape,
 * every input rule (each a 4xx before the store is asked), merchant inspection, the registry's
 * entities and the metrics' entity label. {@link ServingApiIT} covers the same over Redis.
 */
class CrossEntityHttpTest {
  private static final FeatureRegistry REGISTRY = FeatureRegistry.bundled();
  private static final InMemoryReader reader = new InMemoryReader(REGISTRY)
      .put("u0001", Map.of("risk_segment", "low", "chargeback_count_180d", 0L, "tx_count_5m", 3L), 120, 86_000L)
      .put("u0002", Map.of("risk_segment", "high"), 120, 86_000L)
      .put("merchant", "m042", Map.of("merchant_risk_tier", "medium", "merchant_category", "grocery"), 200, 80_000L)
      .put("merchant", "m007", Map.of("merchant_tx_count_1h", 17L), 250, null);

  @RegisterExtension
  static final InMemoryServer server = new InMemoryServer(reader);

  private static JsonNode ok(Response response) {
    assertThat(response.code()).as(response.body().string()).isEqualTo(200);
    return json(response);
  }

  private static List<String> keys(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  // ---------------------------------------------------------------- GET /v1/features?user=…&merchant=…
  @Test
  void shouldReadAServiceAcrossEntitiesTypedWithMissingPerEntityInOneStoreCall() {
    JsonNode body = ok(server.get("/v1/features?user=u0001&merchant=m042&service=fraud_scoring_v2"));

    assertThat(keys(body)).containsExactly("entities");
    assertThat(keys(body.path("entities"))).containsExactly("user", "merchant");
    JsonNode user = body.path("entities").path("user");
    assertThat(user.path("entity_id").asText()).isEqualTo("u0001");
    assertThat(user.path("found").asBoolean()).isTrue();
    assertThat(keys(user.path("features"))).containsExactly("risk_segment", "chargeback_count_180d", "tx_count_5m");
    assertThat(user.path("features").path("tx_count_5m").isIntegralNumber()).isTrue();
    assertThat(texts(user.path("missing"))).containsExactly("tx_amount_sum_1h", "tx_amount_max_24h");
    assertThat(user.has("ttl_seconds")).as("only with freshness").isFalse();
    JsonNode merchant = body.path("entities").path("merchant");
    assertThat(merchant.path("entity_id").asText()).isEqualTo("m042");
    assertThat(merchant.path("features").path("merchant_risk_tier").asText()).isEqualTo("medium");
    assertThat(texts(merchant.path("missing"))).containsExactly("merchant_tx_count_1h");
    assertThat(reader.calls).as("one store call for every entity of the row").hasValue(1);
  }

  @Test
  void shouldReadNamedFeaturesWithFreshnessPerEntityInTheOrderFirstNamed() {
    JsonNode body = ok(server.get("/v1/features?merchant=m007&user=u0001"
        + "&features=merchant.merchant_tx_count_1h,risk_segment&features=user.tx_count_5m&freshness=true"));

    assertThat(keys(body.path("entities"))).as("in the order the features name them").containsExactly("merchant", "user");
    JsonNode merchant = body.path("entities").path("merchant");
    assertThat(merchant.path("features").path("merchant_tx_count_1h").asLong()).isEqualTo(17);
    assertThat(merchant.path("ttl_seconds").path("merchant_tx_count_1h").asLong()).isEqualTo(250);
    assertThat(merchant.has("key_ttl_seconds")).as("a key without a TTL").isFalse();
    JsonNode user = body.path("entities").path("user");
    assertThat(keys(user.path("features"))).as("a bare name is the user's").containsExactly("risk_segment", "tx_count_5m");
    assertThat(user.path("key_ttl_seconds").asLong()).isEqualTo(86_000);
  }

  @Test
  void shouldReadOneMerchant() {
    JsonNode body = ok(server.get("/v1/features?merchant=m042&features=merchant.merchant_category"));
    assertThat(keys(body.path("entities"))).containsExactly("merchant");
    assertThat(body.path("entities").path("merchant").path("features").path("merchant_category").asText()).isEqualTo("grocery");
  }

  @Test
  void shouldAnswer200WithFoundFalseForAnEntityThatDoesNotExistEvenWhenNoneDoes() {
    JsonNode some = ok(server.get("/v1/features?user=u0001&merchant=m999&service=fraud_scoring_v2"));
    assertThat(some.path("entities").path("user").path("found").asBoolean()).isTrue();
    JsonNode absent = some.path("entities").path("merchant");
    assertThat(absent.path("found").asBoolean()).isFalse();
    assertThat(absent.path("entity_id").asText()).isEqualTo("m999");
    assertThat(keys(absent.path("features"))).isEmpty();
    assertThat(texts(absent.path("missing"))).containsExactly("merchant_risk_tier", "merchant_tx_count_1h");

    JsonNode none = ok(server.get("/v1/features?user=u9999&merchant=m999&service=fraud_scoring_v2"));
    assertThat(none.path("entities").path("user").path("found").asBoolean()).isFalse();
    assertThat(none.path("entities").path("merchant").path("found").asBoolean()).isFalse();
  }

  @Test
  void shouldCheckEveryRuleOfAReadAcrossEntitiesBeforeCallingTheStore() {
    assertBadRequest(server.get("/v1/features?usr=u0001&merchant=m042&service=fraud_scoring_v2"),
        "unknown parameter 'usr'", "user, merchant");
    assertBadRequest(server.get("/v1/features?user=u0001&service=fraud_scoring_v2"),
        "no merchant id", "service 'fraud_scoring_v2' reads merchant features", "merchant=ID");
    assertBadRequest(server.get("/v1/features?merchant=m042&service=fraud_scoring_v2"), "no user id");
    assertBadRequest(server.get("/v1/features?service=fraud_scoring_v2"), "no user id");
    assertBadRequest(server.get("/v1/features?user=u0001&merchant=m042&service=fraud_scoring_v1"),
        "'merchant=' is given", "service 'fraud_scoring_v1' reads no merchant feature");
    assertBadRequest(server.get("/v1/features?user=u0001&merchant=m042&features=risk_segment"),
        "'merchant=' is given", "the requested features read no merchant feature");
    assertBadRequest(server.get("/v1/features?user=u0001&merchant=m%3A42&service=fraud_scoring_v2"), "malformed merchant id 'm:42'");
    assertBadRequest(server.get("/v1/features?user=u0001&merchant=&service=fraud_scoring_v2"), "the merchant id is empty");
    assertBadRequest(server.get("/v1/features?user=u%2A&merchant=m042&service=fraud_scoring_v2"), "malformed user id");
    assertBadRequest(server.get("/v1/features?user=u0001&user=u0002&features=risk_segment"), "'user' is given 2 times");
    assertBadRequest(server.get("/v1/features?user=u0001&service=fraud_v9"), "unknown feature service 'fraud_v9'", "fraud_scoring_v2");
    assertBadRequest(server.get("/v1/features?user=u0001&service=user_profile&features=risk_segment"), "not both");
    assertBadRequest(server.get("/v1/features?user=u0001"), "name the features", "merchant.merchant_tx_count_1h", "fraud_scoring_v2");
    assertBadRequest(server.get("/v1/features?user=u0001&features="), "no features requested");
    assertBadRequest(server.get("/v1/features?user=u0001&features=risk_segment,user.risk_segment"), "'user.risk_segment'", "twice");
    assertBadRequest(server.get("/v1/features?user=u0001&features=risk_segment&freshness=yes"), "freshness");
    assertThat(reader.calls).hasValue(0);
  }

  @Test
  void shouldNameUnknownFeaturesAsEntityFeatureWithTheAllowedOnes() {
    JsonNode body = assertBadRequest(server.get("/v1/features?user=u0001&merchant=m042"
        + "&features=merchant_category,merchant.nope,shop.x,merchant.merchant_age_days"), "unknown features");
    assertThat(texts(body.path("unknown"))).as("a bare name is the user's")
        .containsExactly("user.merchant_category", "merchant.nope", "shop.x");
    assertThat(texts(body.path("allowed"))).contains("user.risk_segment", "merchant.merchant_category");
    assertThat(reader.calls).hasValue(0);
  }

  @Test
  void shouldAnswer503WhileTheStoreIsUnavailable() {
    reader.failure = () -> new StoreUnavailableException("reading 2 entities: Connection refused", null);
    Response read = server.get("/v1/features?user=u0001&merchant=m042&service=fraud_scoring_v2");
    assertThat(read.code()).isEqualTo(503);
    assertThat(read.headers().get("Retry-After")).containsExactly("1");
    assertThat(server.batch("{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m042\"}],\"service\":\"fraud_scoring_v2\"}").code())
        .isEqualTo(503);
  }

  // ---------------------------------------------------------------- batch rows
  @Test
  void shouldAnswerBatchRowsInRequestOrderWithOneStoreCall() {
    JsonNode body = ok(server.batch("{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m042\"},{\"merchant\":\"m007\",\"user\":\"u9999\"},"
        + "{\"user\":\"u0001\",\"merchant\":\"m042\"}],\"service\":\"fraud_scoring_v2\",\"freshness\":true}"));

    JsonNode results = body.path("results");
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.get(0).path("entities").path("user").path("entity_id").asText()).isEqualTo("u0001");
    assertThat(results.get(0).path("entities").path("merchant").path("ttl_seconds").path("merchant_risk_tier").asLong())
        .isEqualTo(200);
    assertThat(keys(results.get(1).path("entities"))).as("the service's order, whatever the row's")
        .containsExactly("user", "merchant");
    assertThat(results.get(1).path("entities").path("user").path("found").asBoolean()).isFalse();
    assertThat(results.get(1).path("entities").path("merchant").path("features").path("merchant_tx_count_1h").asLong())
        .isEqualTo(17);
    assertThat(results.get(2)).as("a repeated row answered at its position").isEqualTo(results.get(0));
    assertThat(reader.calls).hasValue(1);
  }

  @Test
  void shouldReadBatchRowsOfNamedFeaturesOfOneEntity() {
    JsonNode body = ok(server.batch("{\"rows\":[{\"merchant\":\"m042\"},{\"merchant\":\"m007\"}],"
        + "\"features\":[\"merchant.merchant_category\"]}"));
    assertThat(body.path("results").get(0).path("entities").path("merchant").path("features").path("merchant_category")
        .asText()).isEqualTo("grocery");
    assertThat(texts(body.path("results").get(1).path("entities").path("merchant").path("missing")))
        .containsExactly("merchant_category");
  }

  @Test
  void shouldAcceptExactlyTheLimitOfRowsAndRefuseOneMoreWith413() {
    Response ok = server.batch("{\"rows\":[" + rows(1000) + "],\"service\":\"fraud_scoring_v2\"}");
    assertThat(ok.code()).isEqualTo(200);
    assertThat(json(ok).path("results").size()).isEqualTo(1000);

    Response tooMany = server.batch("{\"rows\":[" + rows(1001) + "],\"service\":\"fraud_scoring_v2\"}");
    assertThat(tooMany.code()).isEqualTo(413);
    JsonNode body = json(tooMany);
    assertThat(body.path("error").asText()).contains("too many rows", "1001", "1000", "SERVING_MAX_BATCH");
    assertThat(body.path("count").asInt()).isEqualTo(1001);
    assertThat(body.path("limit").asInt()).isEqualTo(1000);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"rows\":{\"user\":\"u0001\"},\"service\":\"fraud_scoring_v2\"}|'rows' must be a list of objects of entity ids, not an object",
      "{\"rows\":[],\"service\":\"fraud_scoring_v2\"}|'rows' is empty",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m042\"},\"u0002\"],\"service\":\"fraud_scoring_v2\"}|rows[1] must be an object of entity ids",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":42}],\"service\":\"fraud_scoring_v2\"}|rows[0].merchant must be a string, not a number",
      "{\"rows\":[{\"user\":\"u0001\",\"shop\":\"s1\"}],\"service\":\"fraud_scoring_v2\"}|rows[0]: unknown entity 'shop'; the registry declares: user, merchant",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m 42\"}],\"service\":\"fraud_scoring_v2\"}|rows[0].merchant: malformed merchant id 'm 42'",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"\"}],\"service\":\"fraud_scoring_v2\"}|rows[0].merchant: the merchant id is empty",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m042\"},{\"user\":\"u0002\"}],\"service\":\"fraud_scoring_v2\"}|rows[1] has no merchant id: service 'fraud_scoring_v2' reads merchant features",
      "{\"rows\":[{}],\"service\":\"fraud_scoring_v2\"}|rows[0] has no user id",
      "{\"rows\":[{\"user\":\"u0001\",\"merchant\":\"m042\"}],\"service\":\"user_profile\"}|rows[0] gives a merchant id, but service 'user_profile' reads no merchant feature",
      "{\"rows\":[{\"user\":\"u0001\"}],\"features\":[\"merchant.nope\"]}|unknown feature merchant.nope",
      "{\"rows\":[{\"user\":\"u0001\"}],\"service\":\"nope\"}|unknown feature service 'nope'",
      "{\"rows\":[{\"user\":\"u0001\"}]}|name the features to read",
      "{\"rows\":[{\"user\":\"u0001\"}],\"features\":[]}|no features requested",
      "{\"rows\":[{\"user\":\"u0001\"}],\"features\":[\"risk_segment\"],\"service\":\"user_profile\"}|not both",
      "{\"rows\":[{\"user\":\"u0001\"}],\"entity_ids\":[\"u0001\"],\"features\":[\"risk_segment\"]}|either 'entity_ids'",
      "{\"row\":[{\"user\":\"u0001\"}],\"features\":[\"risk_segment\"]}|unknown key 'row'; allowed: entity_ids, rows",
      "{\"rows\":[{\"user\":\"u0001\"}],\"features\":[\"risk_segment\"],\"freshness\":1}|'freshness' must be true or false",
      "{\"entity_ids\":[\"u0001\"],\"service\":\"fraud_scoring_v2\"}|reads user and merchant features"})
  void shouldRejectRowsThatBreakARuleBeforeCallingTheStore(String caseLine) {
    String[] parts = caseLine.split("\\|");
    assertBadRequest(server.batch(parts[0]), parts[1]);
    assertThat(reader.calls).hasValue(0);
  }

  // ---------------------------------------------------------------- inspection, registry, metrics
  @Test
  void shouldInspectAMerchantAndKeepInspectingUsersByDefault() {
    JsonNode merchant = ok(server.get("/v1/entities/m042?entity=merchant"));
    assertThat(merchant.path("key").asText()).isEqualTo("fs:merchant:m042");
    assertThat(merchant.path("features").path("merchant_category").asText()).isEqualTo("grocery");
    assertThat(texts(merchant.path("missing"))).containsExactly("merchant_age_days", "merchant_tx_count_1h", "merchant_amount_sum_1h");
    assertThat(ok(server.get("/v1/entities/u0001")).path("key").asText()).isEqualTo("fs:user:u0001");
    assertThat(server.get("/v1/entities/m999?entity=merchant").code()).isEqualTo(404);
    assertThat(json(server.get("/v1/entities/m999?entity=merchant")).path("error").asText())
        .isEqualTo("merchant 'm999' not found: expired or never loaded");
    assertBadRequest(server.get("/v1/entities/m042?entity=shop"), "unknown entity 'shop'");
    assertBadRequest(server.get("/v1/entities/m%3A1?entity=merchant"), "malformed merchant id");
  }

  @Test
  void shouldDescribeEveryEntityAndEveryServiceInTheRegistry() {
    JsonNode registry = ok(server.get("/v1/registry"));
    assertThat(registry.path("entity").asText()).as("the single-entity routes' entity").isEqualTo("user");
    assertThat(keys(registry.path("services"))).doesNotContain("fraud_scoring_v2");
    JsonNode entities = registry.path("entities");
    assertThat(entities.size()).isEqualTo(2);
    assertThat(entities.get(0).path("name").asText()).isEqualTo("user");
    assertThat(entities.get(1).path("name").asText()).isEqualTo("merchant");
    JsonNode merchant = entities.get(1);
    assertThat(merchant.path("key_prefix").asText()).isEqualTo("fs:merchant:");
    assertThat(merchant.path("id_pattern").asText()).isNotEmpty();
    assertThat(merchant.path("features").findValuesAsText("name")).contains("merchant_category", "merchant_tx_count_1h");
    JsonNode v2 = registry.path("all_services").path("fraud_scoring_v2");
    assertThat(texts(v2.path("entities"))).containsExactly("user", "merchant");
    assertThat(texts(v2.path("features"))).contains("user.risk_segment", "merchant.merchant_tx_count_1h");
    assertThat(texts(registry.path("all_services").path("user_profile").path("features"))).contains("user.country_iso");
  }

  @Test
  void shouldCountHitsAndMissesByEntity() {
    double hitsBefore = server.metric("fs_serving_feature_reads_total{entity=\"merchant\",feature=\"merchant_risk_tier\",result=\"hit\"}");
    double missesBefore = server.metric("fs_serving_feature_reads_total{entity=\"merchant\",feature=\"merchant_tx_count_1h\",result=\"miss\"}");
    double notFoundBefore = server.metric("fs_serving_entity_reads_total{entity=\"merchant\",result=\"not_found\"}");
    double userBefore = server.metric("fs_serving_feature_reads_total{entity=\"user\",feature=\"risk_segment\",result=\"hit\"}");

    ok(server.get("/v1/features?user=u0001&merchant=m042&service=fraud_scoring_v2"));
    ok(server.get("/v1/features?user=u0001&merchant=m999&service=fraud_scoring_v2"));

    assertThat(server.metric("fs_serving_feature_reads_total{entity=\"merchant\",feature=\"merchant_risk_tier\",result=\"hit\"}")
        - hitsBefore).isEqualTo(1);
    assertThat(server.metric("fs_serving_feature_reads_total{entity=\"merchant\",feature=\"merchant_tx_count_1h\",result=\"miss\"}")
        - missesBefore).isEqualTo(2);
    assertThat(server.metric("fs_serving_entity_reads_total{entity=\"merchant\",result=\"not_found\"}") - notFoundBefore).isEqualTo(1);
    assertThat(server.metric("fs_serving_feature_reads_total{entity=\"user\",feature=\"risk_segment\",result=\"hit\"}") - userBefore)
        .isEqualTo(2);
  }

  private static String rows(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "{\"user\":\"u" + i + "\",\"merchant\":\"m" + i + "\"}")
        .collect(Collectors.joining(","));
  }
}
