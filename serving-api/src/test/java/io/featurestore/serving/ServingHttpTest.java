package io.featurestore.serving;

import static io.featurestore.serving.InMemoryServer.assertBadRequest;
import static io.featurestore.serving.InMemoryServer.json;
import static io.featurestore.serving.InMemoryServer.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.Heartbeat;
import io.featurestore.core.StoreRejectedException;
import io.featurestore.core.StoreUnavailableException;
import io.javalin.testtools.Response;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The serving API's HTTP behaviour with Javalin's test tools and a reader held in memory, no
 * Redis: every input rule, the error statuses the store's failures map to, and how many store
 * calls (round trips) a request costs. What needs Redis itself is in {@link ServingApiIT}.
 */
class ServingHttpTest {
  private static final FeatureRegistry REGISTRY = FeatureRegistry.bundled();
  private static final InMemoryReader reader = new InMemoryReader(REGISTRY)
      .put("u0001", Map.of("country_iso", "DE", "tx_count_5m", 3L), 120, 86_000L)
      .put("u0003", Map.of("country_iso", "FR"), 120, 86_000L)
      .putNotAHash("u0666")
      .put("u0667", Map.of("country_iso", "NL"), 120, 86_000L)
      .putInvalid("u0667", "tx_count_5m", "fourteen");

  @RegisterExtension
  static final InMemoryServer server = new InMemoryServer(reader);

  /** The counter {@code fs_serving_redis_errors_total} of one kind, as /metrics shows it. */
  private static double redisErrors(String kind) {
    return server.metric("fs_serving_redis_errors_total{kind=\"" + kind + "\"}");
  }

  // ---------------------------------------------------------------- the store's answers and failures
  @Test
  void shouldAnswerABatchInRequestOrderWithOneStoreCall() {
    Response response = server.batch(
        "{\"entity_ids\":[\"u0003\",\"u9999\",\"u0001\"],\"features\":[\"country_iso\",\"tx_count_5m\"]}");
    assertThat(response.code()).isEqualTo(200);
    JsonNode results = json(response).path("results");
    assertThat(results.findValuesAsText("entity_id")).containsExactly("u0003", "u9999", "u0001");
    assertThat(results.get(1).path("found").asBoolean()).isFalse();
    assertThat(results.get(2).path("features").path("tx_count_5m").asLong()).isEqualTo(3);
    assertThat(texts(results.get(0).path("missing"))).containsExactly("tx_count_5m");
    assertThat(reader.calls).as("one store call for the whole batch").hasValue(1);
  }

  @Test
  void shouldCheckEveryInputRuleBeforeCallingTheStore() {
    assertBadRequest(server.get("/v1/features/a%3Ab?features=country_iso"), "malformed user id");
    assertBadRequest(server.get("/v1/features/u0001?features=nope"), "nope");
    assertBadRequest(server.batch("{\"entity_ids\":[\"u0001\",\"a:b\"],\"features\":[\"country_iso\"]}"),
        "malformed user id");
    assertThat(reader.calls).hasValue(0);
  }

  @Test
  void shouldAnswer503WithRetryAfterWhileTheStoreIsUnavailable() {
    reader.failure = () -> new StoreUnavailableException("reading 1 entities: Connection refused", null);
    double before = redisErrors("connection");
    Response read = server.get("/v1/features/u0001?features=country_iso");
    assertThat(read.code()).isEqualTo(503);
    assertThat(read.headers().get("Retry-After")).containsExactly("1");
    assertThat(json(read).path("error").asText()).startsWith("Redis is unavailable").contains("Connection refused");
    assertThat(json(read).path("retryable").asBoolean()).isTrue();
    assertThat(server.get("/health/ready").code()).isEqualTo(503);
    assertThat(server.get("/health/live").code()).isEqualTo(200);
    assertThat(redisErrors("connection") - before).isEqualTo(1);

    reader.failure = null;
    assertThat(server.get("/v1/features/u0001?features=country_iso").code()).as("serves again at once").isEqualTo(200);
    assertThat(server.get("/health/ready").code()).isEqualTo(200);
  }

  @Test
  void shouldAnswer500NamingTheRefusalWhenTheStoreRejectsACommand() {
    reader.failure = () -> new StoreRejectedException("reading 1 entities was rejected: WRONGTYPE", null);
    double before = redisErrors("command");
    Response read = server.get("/v1/features/u0001?features=country_iso");
    assertThat(read.code()).isEqualTo(500);
    assertThat(json(read).path("error").asText()).contains("WRONGTYPE");
    assertThat(redisErrors("command") - before).isEqualTo(1);
  }

  @Test
  void shouldServeTheRestOfABatchWhenOneKeyIsNotAHashAndNameItsError() {
    double unreadable = server.metric("fs_serving_entity_reads_total{entity=\"user\",result=\"error\"}");
    Response response = server.batch("{\"entity_ids\":[\"u0001\",\"u0666\",\"u0003\"],\"features\":[\"country_iso\"]}");
    assertThat(response.code()).isEqualTo(200);
    JsonNode results = json(response).path("results");
    assertThat(results.get(0).path("features").path("country_iso").asText()).isEqualTo("DE");
    assertThat(results.get(0).has("error")).isFalse();
    assertThat(results.get(1).path("found").asBoolean()).isFalse();
    assertThat(texts(results.get(1).path("missing"))).containsExactly("country_iso");
    assertThat(results.get(1).path("error").asText()).contains("fs:user:u0666").contains("WRONGTYPE");
    assertThat(results.get(2).path("features").path("country_iso").asText()).isEqualTo("FR");
    assertThat(server.metric("fs_serving_entity_reads_total{entity=\"user\",result=\"error\"}") - unreadable).isEqualTo(1);

    Response one = server.get("/v1/features/u0666?features=country_iso");
    assertThat(one.code()).as("the one entity asked for").isEqualTo(500);
    assertThat(json(one).path("error").asText()).contains("fs:user:u0666").contains("WRONGTYPE");
  }

  @Test
  void shouldServeAValueOfAnotherTypeAsMissingWithItsErrorAndTheOtherFeatures() {
    double errors = server.metric("fs_serving_entity_reads_total{entity=\"user\",result=\"error\"}");
    double hits = server.metric("fs_serving_feature_reads_total{entity=\"user\",feature=\"country_iso\",result=\"hit\"}");
    Response one = server.get("/v1/features/u0667?features=country_iso,tx_count_5m");
    assertThat(one.code()).as("the entity was read: 200, not 500").isEqualTo(200);
    JsonNode body = json(one);
    assertThat(body.path("found").asBoolean()).isTrue();
    assertThat(body.path("features").path("country_iso").asText()).isEqualTo("NL");
    assertThat(texts(body.path("missing"))).containsExactly("tx_count_5m");
    assertThat(body.path("error").asText()).contains("fs:user:u0667").contains("tx_count_5m").contains("fourteen");
    assertThat(server.metric("fs_serving_entity_reads_total{entity=\"user\",result=\"error\"}") - errors).isEqualTo(1);
    assertThat(server.metric("fs_serving_feature_reads_total{entity=\"user\",feature=\"country_iso\",result=\"hit\"}")
        - hits).as("what was served counts as served").isEqualTo(1);

    JsonNode batch = json(server.batch("{\"entity_ids\":[\"u0667\",\"u0001\"],\"features\":[\"tx_count_5m\"]}"))
        .path("results");
    assertThat(batch.get(0).path("found").asBoolean()).isTrue();
    assertThat(batch.get(0).path("error").asText()).contains("fourteen");
    assertThat(batch.get(1).path("features").path("tx_count_5m").asLong()).isEqualTo(3);
  }

  @Test
  void shouldShowTheProcessorFromItsHeartbeats() {
    long now = System.currentTimeMillis();
    reader.heartbeats.add(new Heartbeat("proc-1@test", "RUNNING", now, now - 1_500, 42));
    JsonNode view = json(server.get("/v1/stream-processor"));
    assertThat(view.path("live").asBoolean()).isTrue();
    assertThat(view.path("instances").get(0).path("instance_id").asText()).isEqualTo("proc-1@test");
  }

  @Test
  void shouldRequireAKeyForV1RoutesOnlyWhenKeysAreConfigured() {
    server.with(Map.of("SERVING_API_KEYS", "k1"), () -> {
      assertThat(server.get("/v1/features/u0001?features=country_iso").code()).isEqualTo(401);
      assertThat(server.send("/v1/features/u0001?features=country_iso", b -> b.header("X-API-Key", "k1")).code())
          .isEqualTo(200);
      assertThat(server.get("/health/live").code()).isEqualTo(200);
      assertThat(reader.calls).hasValue(1);
    });
  }

  // ---------------------------------------------------------------- input rules
  @Test
  void shouldNameUnknownFeaturesAndListTheAllowedOnes() {
    Response response = server.get("/v1/features/u0001?features=nope,country_iso,tx_count_9m");
    assertBadRequest(response, "nope", "tx_count_9m", "allowed");
    JsonNode body = json(response);
    assertThat(texts(body.path("unknown"))).containsExactly("nope", "tx_count_9m");
    assertThat(texts(body.path("allowed"))).containsExactlyElementsOf(REGISTRY.featureNames());
  }

  @Test
  void shouldNameAnUnknownServiceAndListTheServices() {
    Response response = server.get("/v1/features/u0001?service=fraud_v9");
    assertBadRequest(response, "fraud_v9", "fraud_scoring_v1", "login_risk_v1", "user_profile");
    assertThat(texts(json(response).path("allowed"))).containsExactlyElementsOf(REGISTRY.services().keySet());
  }

  @Test
  void shouldRejectBothFeaturesAndService() {
    assertBadRequest(server.get("/v1/features/u0001?features=country_iso&service=user_profile"), "either", "not both");
  }

  @Test
  void shouldRejectNeitherFeaturesNorService() {
    assertBadRequest(server.get("/v1/features/u0001"), "features", "service", "fraud_scoring_v1", "country_iso");
  }

  @Test
  void shouldRejectAnEmptyFeatureList() {
    assertBadRequest(server.get("/v1/features/u0001?features="), "no features requested");
    assertBadRequest(server.get("/v1/features/u0001?features=,,"), "no features requested");
  }

  @Test
  void shouldRejectAFeatureRequestedTwice() {
    assertBadRequest(server.get("/v1/features/u0001?features=country_iso,country_iso"), "twice");
  }

  @Test
  void shouldRejectAFreshnessThatIsNotABoolean() {
    assertBadRequest(server.get("/v1/features/u0001?features=country_iso&freshness=yes"), "freshness");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a%3Ab", "..", "%2A", "u%20001", "-u1", "%C3%BC", "u0001%0D%0AHGETALL", "%F0%9F%98%80",
      "_meta%3Astream-processor"})
  void shouldRejectAMalformedEntityId(String encodedId) {
    assertBadRequest(server.get("/v1/features/" + encodedId + "?features=country_iso"), "malformed user id");
    assertBadRequest(server.get("/v1/entities/" + encodedId), "malformed user id");
  }

  @Test
  void shouldRejectAnOverlongEntityId() {
    assertBadRequest(server.get("/v1/features/" + "u".repeat(129) + "?features=country_iso"), "malformed user id");
    assertBadRequest(server.get("/v1/features/" + "u".repeat(65) + "?features=country_iso"), "malformed user id");
  }

  @Test
  void shouldAcceptExactlyTheLimitAndRefuseOneMoreWith413() {
    String limit = ids(1000);
    Response ok = server.batch("{\"entity_ids\":[" + limit + "],\"features\":[\"country_iso\"]}");
    assertThat(ok.code()).isEqualTo(200);
    assertThat(json(ok).path("results").size()).isEqualTo(1000);

    Response tooMany = server.batch("{\"entity_ids\":[" + ids(1001) + "],\"features\":[\"country_iso\"]}");
    assertThat(tooMany.code()).isEqualTo(413);
    JsonNode body = json(tooMany);
    assertThat(body.path("error").asText()).contains("too many entity ids", "1001", "1000");
    assertThat(body.path("count").asInt()).isEqualTo(1001);
    assertThat(body.path("limit").asInt()).isEqualTo(1000);
  }

  @Test
  void shouldRejectMalformedJson() {
    Response truncated = server.batch("{\"entity_ids\": [\"u0001\"");
    assertBadRequest(truncated, "malformed JSON", "expected close marker for Array (opened at line 1, column 16)");
    assertThat(json(truncated).path("error").asText()).doesNotContain("Source:");
    assertBadRequest(server.batch("entity_ids=u0001"), "malformed JSON");
    assertBadRequest(server.batch(""), "empty");
    assertBadRequest(server.batch("{} {}"), "malformed JSON");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[]|must be a JSON object",
      "\"u0001\"|must be a JSON object",
      "{\"features\":[\"country_iso\"]}|'entity_ids' is missing",
      "{\"entity_ids\":\"u0001\",\"features\":[\"country_iso\"]}|must be a list of strings, not a string",
      "{\"entity_ids\":[],\"features\":[\"country_iso\"]}|'entity_ids' is empty",
      "{\"entity_ids\":[\"u0001\",7],\"features\":[\"country_iso\"]}|entity_ids[1] must be a string, not a number",
      "{\"entity_ids\":[\"u0001\",\"a:b\"],\"features\":[\"country_iso\"]}|entity_ids[1]: malformed user id",
      "{\"entity_ids\":[\"u0001\"],\"features\":\"country_iso\"}|'features' must be a list",
      "{\"entity_ids\":[\"u0001\"],\"features\":[1]}|features[0] must be a string",
      "{\"entity_ids\":[\"u0001\"],\"features\":[\"nope\"]}|unknown feature nope",
      "{\"entity_ids\":[\"u0001\"],\"features\":[]}|no features requested",
      "{\"entity_ids\":[\"u0001\"],\"service\":7}|'service' must be a string",
      "{\"entity_ids\":[\"u0001\"],\"service\":\"nope\"}|unknown feature service 'nope'",
      "{\"entity_ids\":[\"u0001\"]}|name the features to read",
      "{\"entity_ids\":[\"u0001\"],\"features\":[\"country_iso\"],\"service\":\"user_profile\"}|not both",
      "{\"entity_ids\":[\"u0001\"],\"features\":[\"country_iso\"],\"freshness\":\"true\"}|'freshness' must be true or false",
      "{\"entity_ids\":[\"u0001\"],\"feature\":[\"country_iso\"]}|unknown key 'feature'"})
  void shouldRejectABodyThatBreaksARule(String caseLine) {
    String[] parts = caseLine.split("\\|");
    assertBadRequest(server.batch(parts[0]), parts[1]);
  }

  @Test
  void shouldAcceptJsonWhateverTheContentTypeSays() {
    Response response = server.send("/v1/features/batch", b -> b.header("Content-Type", "text/plain")
        .post(HttpRequest.BodyPublishers.ofString("{\"entity_ids\":[\"u0001\"],\"features\":[\"country_iso\"]}")));
    assertThat(response.code()).isEqualTo(200);
  }

  @Test
  void shouldAnswerUnknownPathsAndWrongMethodsWithJsonErrors() {
    Response unknown = server.get("/v2/nothing");
    assertThat(unknown.code()).isEqualTo(404);
    assertThat(json(unknown).has("error")).isTrue();
    Response wrongMethod = server.send("/v1/features/u0001", b -> b.delete(HttpRequest.BodyPublishers.noBody()));
    assertThat(wrongMethod.code()).isEqualTo(405);
    assertThat(wrongMethod.headers().get("Allow")).containsExactly("GET");
    assertThat(json(wrongMethod).path("allowed_methods").asText()).isEqualTo("GET");
  }

  private static String ids(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "\"u" + i + "\"").collect(Collectors.joining(","));
  }
}
