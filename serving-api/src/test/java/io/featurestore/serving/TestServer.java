package io.featurestore.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.materializer.SyntheticUsers;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A started serving API on a free loopback port over a real Redis, with an HTTP client.
 * Each test class passes its own key prefix, so classes sharing one Redis never meet; the
 * merchant entity's prefix is {@code m} + that prefix ({@code mit:serving-api:}), and
 * {@link #merchants()} is a store on the merchant's view to load merchants with.
 */
final class TestServer implements AutoCloseable {
  static final long SEED = 42;
  private static final ObjectMapper JSON = new ObjectMapper();

  final FeatureStore store;
  final FeatureRegistry registry;
  private final String redisUrl;
  private FeatureStore merchants;
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final Javalin app;
  final String base;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestServer(String redisUrl, FeatureStore store, ServingConfig config) {
    this.redisUrl = redisUrl;
    this.store = store;
    this.registry = store.registry();
    this.app = new ServingApp(store.reader(), config, meters, Clock.systemUTC()).create().start();
    this.base = "http://127.0.0.1:" + app.port();
  }

  static TestServer start(String redisUrl, String keyPrefix) {
    return start(redisUrl, keyPrefix, Map.of());
  }

  static TestServer start(String redisUrl, String keyPrefix, Map<String, String> env) {
    Map<String, String> merged = new HashMap<>(env);
    merged.put("REDIS_URL", redisUrl);
    merged.put("FS_KEY_PREFIX", keyPrefix);
    merged.putIfAbsent("SERVING_PORT", "0");
    merged.putIfAbsent("SERVING_HOST", "127.0.0.1");
    ServingConfig config = ServingConfig.fromEnv(merged);
    FeatureRegistry registry = config.store().loadRegistry();
    registry = registry.forEntity("merchant").withOverrides("m" + keyPrefix, registry.batchTtlSeconds(),
        registry.streamTtlSeconds()).forEntity(registry.entityName());
    FeatureStore store = FeatureStore.connect(redisUrl, registry);
    store.admin().reset();
    return new TestServer(redisUrl, store, config);
  }

  /** A store on the merchant entity's view of the server's registry (its bulk loader writes merchant rows). */
  synchronized FeatureStore merchants() {
    if (merchants == null) {
      merchants = FeatureStore.connect(redisUrl, registry.forEntity("merchant"));
      merchants.admin().reset();
    }
    return merchants;
  }

  /** Bulk-loads merchants m001 … m{count}: category, risk tier and age from the id. */
  void loadMerchants(int count) {
    String[] tiers = {"low", "medium", "high"};
    String[] categories = {"grocery", "travel", "electronics", "fuel"};
    List<EntityRow> rows = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      rows.add(new EntityRow(String.format("m%03d", i), Map.of("merchant_category", categories[i % categories.length],
          "merchant_risk_tier", tiers[i % tiers.length], "merchant_age_days", Integer.toString(100 + i))));
    }
    merchants().bulkLoader().bulkLoad(rows.iterator(), registry.batchTtlSeconds(), 1000, 1, n -> { });
  }

  /** Bulk-loads synthetic users u0001 … u{count} with the registry's batch TTL. */
  void loadUsers(int count) {
    store.bulkLoader().bulkLoad(SyntheticUsers.generate(count, SEED), registry.batchTtlSeconds(), 1000, 1, n -> { });
  }

  HttpResponse<String> get(String path, String... headers) {
    return send(request(path, headers).GET().build());
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    return send(request(path, headers).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return builder;
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON (HTTP " + response.statusCode() + "): " + response.body(), e);
    }
  }

  @Override
  public void close() {
    app.stop();
    try {
      store.admin().reset();
      if (merchants != null) {
        merchants.admin().reset();
      }
    } catch (RuntimeException e) {
      // Redis may be the one a test stopped on purpose.
    }
    store.close();
    if (merchants != null) {
      merchants.close();
    }
    meters.close();
  }
}
