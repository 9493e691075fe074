package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.infra.RedisServer;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * A batch read of 50 users costs one round trip to Redis carrying exactly 50 HMGETs, a batch
 * of 50 rows of a user and a merchant one round trip carrying 100, and a single read one HMGET. Commands are counted with {@code INFO commandstats} on a Redis of
 * this class's own; round trips are counted by a proxy in front of it that delays every
 * request by {@value #DELAY_MS} ms, so that a pipeline cannot be mistaken for several.
 */
class BatchRoundTripIT {
  private static final long DELAY_MS = 150;
  private static final String BATCH_OF_50 = "{\"entity_ids\":["
      + IntStream.rangeClosed(1, 50).mapToObj(i -> String.format("\"u%04d\"", i)).collect(Collectors.joining(","))
      + "],\"service\":\"fraud_scoring_v1\"FRESHNESS}";

  private static final String ROWS_OF_50 = "{\"rows\":["
      + IntStream.rangeClosed(1, 50).mapToObj(i -> String.format("{\"user\":\"u%04d\",\"merchant\":\"m%03d\"}", i, i))
          .collect(Collectors.joining(","))
      + "],\"service\":\"fraud_scoring_v2\",\"freshness\":true}";

  private static RedisServer redis;
  private static TestServer server;
  private static RedisClient observer;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    server = TestServer.start(redis.url(), "it:round-trip:");
    server.loadUsers(50);
    server.loadMerchants(50);
    observer = RedisClient.create(redis.url());
  }

  @AfterAll
  static void stop() {
    observer.close();
    server.close();
    redis.close();
  }

  private static HttpResponse<String> batch(boolean freshness) {
    HttpResponse<String> response = server.post("/v1/features/batch",
        BATCH_OF_50.replace("FRESHNESS", freshness ? ",\"freshness\":true" : ""));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response;
  }

  private static void resetStats() {
    observer.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
  }

  /** Calls per command since the last reset, without the observer's own CONFIG and INFO. */
  private static Map<String, Long> commandsSinceReset() {
    Map<String, Long> calls = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^cmdstat_([a-z|]+):calls=(\\d+)").matcher(observer.info("commandstats"));
    while (m.find()) {
      calls.put(m.group(1), Long.parseLong(m.group(2)));
    }
    calls.remove("config|resetstat");
    calls.remove("config");
    calls.remove("info");
    return calls;
  }

  @Test
  void shouldSendExactlyFiftyHmgetsForABatchOfFifty() {
    batch(false); // warm the pool: a new connection sends its own handshake commands
    resetStats();

    batch(false);

    assertThat(commandsSinceReset()).containsExactly(Map.entry("hmget", 50L));
  }

  @Test
  void shouldAddHttlAndTtlToTheSamePipelineWithFreshness() {
    batch(true);
    resetStats();

    batch(true);

    assertThat(commandsSinceReset()).containsExactly(Map.entry("hmget", 50L), Map.entry("httl", 50L),
        Map.entry("ttl", 50L));
  }

  @Test
  void shouldSendOneHmgetForASingleRead() {
    server.get("/v1/features/u0007?service=login_risk_v1");
    resetStats();

    assertThat(server.get("/v1/features/u0007?service=login_risk_v1").statusCode()).isEqualTo(200);

    assertThat(commandsSinceReset()).containsExactly(Map.entry("hmget", 1L));
  }

  @Test
  void shouldSendOneHmgetPerEntityOfEveryRowAndFreshnessInTheSamePipeline() {
    server.post("/v1/features/batch", ROWS_OF_50);
    resetStats();

    HttpResponse<String> response = server.post("/v1/features/batch", ROWS_OF_50);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(commandsSinceReset()).containsExactly(Map.entry("hmget", 100L), Map.entry("httl", 100L),
        Map.entry("ttl", 100L));
  }

  @Test
  void shouldReadEveryEntityOfEveryRowInOneRoundTripThroughADelayingProxy() throws Exception {
    try (DelayingProxy proxy = new DelayingProxy(redis.port(), DELAY_MS, "HMGET", "HTTL", "TTL");
         TestServer proxied = TestServer.start(proxy.url(), "it:round-trip-rows:")) {
      proxied.loadUsers(50);
      proxied.loadMerchants(50);
      proxied.post("/v1/features/batch", ROWS_OF_50); // warm-up

      proxy.resetRoundTrips();
      HttpResponse<String> response = proxied.post("/v1/features/batch", ROWS_OF_50);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode last = TestServer.json(response).path("results").get(49).path("entities");
      assertThat(last.path("user").path("found").asBoolean()).isTrue();
      assertThat(last.path("merchant").path("found").asBoolean()).isTrue();
      assertThat(proxy.roundTrips()).as("one round trip for 100 hashes of two entities").isEqualTo(1);
    }
  }

  @Test
  void shouldCostOneRoundTripThroughADelayingProxy() throws Exception {
    try (DelayingProxy proxy = new DelayingProxy(redis.port(), DELAY_MS, "HMGET", "HTTL", "TTL");
         TestServer proxied = TestServer.start(proxy.url(), "it:round-trip-proxied:")) {
      proxied.loadUsers(50);
      String body = BATCH_OF_50.replace("FRESHNESS", ",\"freshness\":true");
      proxied.post("/v1/features/batch", body); // warm-up: connection set-up costs round trips of its own

      proxy.resetRoundTrips();
      HttpResponse<String> response = proxied.post("/v1/features/batch", body);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(TestServer.json(response).path("results").get(49).path("found").asBoolean()).isTrue();
      assertThat(proxy.roundTrips()).as("one round trip, not two or more").isEqualTo(1);
    }
  }
}
