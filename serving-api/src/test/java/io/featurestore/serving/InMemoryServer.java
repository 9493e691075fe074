package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Request;
import io.javalin.testtools.Response;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The serving API over an {@link InMemoryReader}, no Redis, with Javalin's test client: the HTTP
 * tests' fixture. Registered as a static {@code @RegisterExtension} field, it starts on a free
 * loopback port before the class's tests and stops after them, and before each test it clears
 * the reader's failure, call count and heartbeats. {@link TestServer} is the same over Redis.
 */
final class InMemoryServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InMemoryReader reader;
  private PrometheusMeterRegistry meters;
  private Javalin app;
  /** Javalin's test client; {@link #with} points it at a server of other settings for a while. */
  private HttpClient client;

  InMemoryServer(InMemoryReader reader) {
    this.reader = reader;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    app = new ServingApp(reader, ServingConfig.fromEnv(Map.of("SERVING_HOST", "127.0.0.1")), meters, Clock.systemUTC())
        .create().start(0);
    client = new HttpClient(app, java.net.http.HttpClient.newHttpClient());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    app.stop();
    meters.close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    reader.failure = null;
    reader.calls.set(0);
    reader.heartbeats.clear();
  }

  /** Runs {@code body} against a fresh server of the same reader with {@code env} for settings, the client pointing at it. */
  void with(Map<String, String> env, Runnable body) {
    HttpClient shared = client;
    PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      JavalinTest.test(new ServingApp(reader, ServingConfig.fromEnv(env), own, Clock.systemUTC()).create(), (server, c) -> {
        client = c;
        body.run();
      });
    } finally {
      client = shared;
      own.close();
    }
  }

  Response get(String path) {
    return client.get(path);
  }

  /** {@code POST /v1/features/batch} of {@code body} as JSON. */
  Response batch(String body) {
    return send("/v1/features/batch", b -> b.header("Content-Type", "application/json")
        .post(HttpRequest.BodyPublishers.ofString(body)));
  }

  Response send(String path, Consumer<Request.Builder> request) {
    return client.request(path, request);
  }

  /** The value of one series in /metrics, named with its labels: {@code fs_serving_redis_errors_total{kind="command"}}. */
  double metric(String series) {
    for (String line : get("/metrics").body().string().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    throw new AssertionError(series + " is not in /metrics");
  }

  static JsonNode json(Response response) {
    try {
      return JSON.readTree(response.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON (HTTP " + response.code() + ")", e);
    }
  }

  /** Asserts a 400 with a JSON body whose {@code error} contains every part; returns the body. */
  static JsonNode assertBadRequest(Response response, String... messageParts) {
    assertThat(response.code()).as(response.body().string()).isEqualTo(400);
    assertThat(response.headers().get("Content-Type")).anyMatch(v -> v.startsWith("application/json"));
    JsonNode body = json(response);
    assertThat(body.path("error").asText()).contains(messageParts);
    return body;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
