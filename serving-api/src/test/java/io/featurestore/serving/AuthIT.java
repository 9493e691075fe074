package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** With SERVING_API_KEYS set, /v1 needs a key; health, metrics, OpenAPI and the page stay open. */
@ExtendWith(RedisExtension.class)
class AuthIT {
  private static TestServer server;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    server = TestServer.start(redis.url(), "it:auth:", Map.of("SERVING_API_KEYS", "key-one,key-two"));
    server.loadUsers(3);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/registry", "/v1/features/u0001?features=country_iso", "/v1/entities/u0001",
      "/v1/stream-processor", "/v1/no-such-route"})
  void shouldRefuseV1RoutesWithoutAKey(String path) {
    HttpResponse<String> response = server.get(path);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    assertThat(TestServer.json(response).path("error").asText()).contains("missing API key", "X-API-Key");
  }

  @Test
  void shouldRefuseTheBatchWithoutAKeyBeforeReadingTheBody() {
    HttpResponse<String> response = server.post("/v1/features/batch", "not even json");
    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void shouldRefuseAWrongKey() {
    HttpResponse<String> response = server.get("/v1/registry", "X-API-Key", "key-three");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(TestServer.json(response).path("error").asText()).isEqualTo("invalid API key");
    assertThat(server.get("/v1/registry", "Authorization", "Bearer key-on").statusCode()).isEqualTo(401);
  }

  @Test
  void shouldAcceptEveryConfiguredKeyInEitherHeader() {
    assertThat(server.get("/v1/features/u0001?features=country_iso", "X-API-Key", "key-one").statusCode()).isEqualTo(200);
    assertThat(server.get("/v1/features/u0001?features=country_iso", "Authorization", "Bearer key-two").statusCode())
        .isEqualTo(200);
    assertThat(server.post("/v1/features/batch", "{\"entity_ids\":[\"u0002\"],\"service\":\"user_profile\"}",
        "X-API-Key", "key-two").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/health/live", "/health/ready", "/metrics", "/openapi.json", "/", "/assets/app.js"})
  void shouldKeepOperationalRoutesAndThePageOpen(String path) {
    assertThat(server.get(path).statusCode()).isEqualTo(200);
  }
}
