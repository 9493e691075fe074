package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.featurestore.core.FeatureRegistry;
import io.javalin.Javalin;
import io.javalin.router.ParsedEndpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The hand-written OpenAPI document and the routes the app registers must agree, both ways. */
class OpenApiTest {
  @Test
  void shouldDescribeEveryRouteAndNoOther() throws IOException {
    JsonNode spec;
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.json")) {
      spec = new ObjectMapper().readTree(in);
    }
    Set<String> documented = new TreeSet<>();
    spec.path("paths").fields().forEachRemaining(path ->
        path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));

    Set<String> registered = new TreeSet<>();
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      Javalin app = new ServingApp(new InMemoryReader(FeatureRegistry.bundled()), ServingConfig.fromEnv(Map.of("SERVING_API_KEYS", "k")), meters,
          Clock.systemUTC()).create();
      for (ParsedEndpoint parsed : app.unsafe.internalRouter.allHttpHandlers()) {
        if (parsed.endpoint.method.isHttpMethod()) {
          registered.add(parsed.endpoint.method.name() + " " + parsed.endpoint.path);
        }
      }
    } finally {
      meters.close();
    }

    assertThat(registered).contains("GET /v1/features/{entity_id}", "POST /v1/features/batch", "GET /metrics");
    assertThat(documented).isEqualTo(registered);
  }
}
