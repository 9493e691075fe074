package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureStore;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.junit.Await;
import io.featurestore.materializer.SyntheticUsers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away and comes back on the same port: the API answers 503 with a clear body
 * meanwhile, and serves again by itself (the pooled client reconnects) with no restart.
 * Uses its own redis-server, which it stops on purpose.
 */
class RedisOutageIT {
  private RedisServer redis;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void shouldAnswer503WhileRedisIsDownAndRecoverByItselfWhenItReturns() {
    Path binary = RedisBinary.locate();
    int port = FreePorts.next();
    redis = RedisServer.start(binary, port);
    server = TestServer.start(redis.url(), "it:outage:");
    server.loadUsers(5);
    assertThat(server.get("/v1/features/u0001?features=country_iso").statusCode()).isEqualTo(200);

    redis.close();

    HttpResponse<String> read = server.get("/v1/features/u0001?features=country_iso");
    assertThat(read.statusCode()).isEqualTo(503);
    assertThat(read.headers().firstValue("Retry-After")).contains("1");
    assertThat(TestServer.json(read).path("error").asText()).startsWith("Redis is unavailable");
    assertThat(TestServer.json(read).path("retryable").asBoolean()).isTrue();
    assertThat(server.post("/v1/features/batch", "{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\"}")
        .statusCode()).isEqualTo(503);
    assertThat(server.get("/v1/entities/u0001").statusCode()).isEqualTo(503);
    assertThat(server.get("/v1/stream-processor").statusCode()).isEqualTo(503);
    HttpResponse<String> ready = server.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(TestServer.json(ready).path("status").asText()).isEqualTo("DOWN");
    assertThat(TestServer.json(ready).path("error").asText()).contains("Redis unreachable");
    assertThat(server.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(server.get("/v1/features/bad:id?features=country_iso").statusCode())
        .as("input rules still come first").isEqualTo(400);
    assertThat(server.get("/metrics").body()).containsPattern("fs_serving_redis_errors_total\\{kind=\"connection\"} [1-9]");

    redis = RedisServer.start(binary, port);
    // Loaded through a client of its own: the server's pool must recover through requests alone.
    try (FeatureStore loader = FeatureStore.connect(redis.url(), server.registry)) {
      loader.bulkLoader().bulkLoad(SyntheticUsers.generate(5, TestServer.SEED), server.registry.batchTtlSeconds(), 100, 1, n -> { });
    }

    Await.value("the API to serve again without a restart", Duration.ofSeconds(15), () -> {
      int status = server.get("/v1/features/u0001?features=country_iso").statusCode();
      assertThat(status).as("while it recovers").isIn(200, 503);
      return status;
    }, status -> status == 200);
    assertThat(server.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(server.post("/v1/features/batch", "{\"entity_ids\":[\"u0001\",\"u0002\"],\"service\":\"user_profile\"}")
        .statusCode()).isEqualTo(200);
  }
}
