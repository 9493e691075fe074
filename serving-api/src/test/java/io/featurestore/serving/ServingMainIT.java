package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The runnable jar as users start it ({@code java -jar serving-api/target/serving-api.jar}):
 * one ready line, serving, a graceful stop on SIGTERM, and clear failures for bad settings.
 */
@ExtendWith(RedisExtension.class)
class ServingMainIT {
  private static final Path JAR = Path.of("target", "serving-api.jar").toAbsolutePath();

  private static ChildProcess start(Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("built by the package phase").exists();
    Path log = Files.createTempFile("serving-api-", ".log");
    log.toFile().deleteOnExit();
    return ChildProcess.jar("serving-api", List.of(), JAR, List.of(args), env, log);
  }

  private static List<String> lines(ChildProcess run) {
    return run.output().lines().toList();
  }

  @Test
  void shouldStartWithOneReadyLineServeAndStopGracefullyOnSigterm(RedisEndpoint redis) throws Exception {
    int port = FreePorts.next();
    ChildProcess run = start(Map.of("REDIS_URL", redis.url(), "SERVING_PORT", Integer.toString(port),
        "SERVING_HOST", "127.0.0.1", "FS_KEY_PREFIX", "it:main:"));
    try {
      run.awaitOutput("Serving API ready on http://127.0.0.1:" + port, Duration.ofSeconds(60));
      assertThat(lines(run)).as("nothing but the ready line at start").hasSize(1);
      assertThat(lines(run).get(0)).contains("prefix 'it:main:'", "batch limit 1000", "API keys off");

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);

      run.stop(Duration.ofSeconds(20)); // SIGTERM; killed only if it does not stop in time
      assertThat(lines(run)).as("a graceful stop").anyMatch(l -> l.contains("Stopping the serving API"))
          .anyMatch(l -> l.contains("Serving API stopped"));
    } finally {
      run.kill();
    }
  }

  @Test
  void shouldPrintUsageWithHelp() throws Exception {
    ChildProcess run = start(Map.of(), "--help");
    assertThat(run.waitFor(Duration.ofSeconds(30))).isZero();
    assertThat(run.output()).startsWith("Usage: serving-api").containsPattern("(?m)^  SERVING_MAX_BATCH +--max-batch +1000$");
  }

  @Test
  void shouldRefuseABadSettingWithAClearMessage() throws Exception {
    ChildProcess run = start(Map.of("SERVING_PORT", "eighty"));
    assertThat(run.waitFor(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(lines(run)).as("one line, no stack trace")
        .containsExactly("Invalid value for --port (SERVING_PORT): 'eighty' is not a whole number");

    ChildProcess outOfRange = start(Map.of(), "--threads", "2");
    assertThat(outOfRange.waitFor(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(lines(outOfRange)).containsExactly("Invalid value for --threads (SERVING_THREADS): must be >= 4, not 2");
  }

  @Test
  void shouldGiveUpOnAnUnreachableRedisAfterTheWait() throws Exception {
    ChildProcess run = start(Map.of("REDIS_URL", "redis://127.0.0.1:" + FreePorts.next(),
        "SERVING_REDIS_WAIT_SECONDS", "1", "SERVING_PORT", "0"));
    assertThat(run.waitFor(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(run.output()).contains("cannot reach Redis");
  }

  @Test
  void shouldRefuseAMalformedRedisUrlAtOnceWithoutItsPassword() throws Exception {
    ChildProcess run = start(Map.of("REDIS_URL", "redis://:hunter2@host:port", "SERVING_REDIS_WAIT_SECONDS", "600"));
    assertThat(run.waitFor(Duration.ofSeconds(60))).as("no wait for a Redis that cannot exist").isEqualTo(2);
    assertThat(run.output()).contains("is not a Redis URL").doesNotContain("hunter2");
  }

  @Test
  void shouldLogInAsAnAclUserShowingThePasswordNowhereAndRefuseAWrongOneAtOnce() throws Exception {
    String password = "Pa55-" + FreePorts.next();
    int redisPort = FreePorts.next();
    try (RedisServer redis = RedisServer.start(RedisBinary.locate(), redisPort,
        List.of("--user", "default", "off", "--user", "serving", "on", ">" + password, "~*", "&*", "+@all"))) {
      int port = FreePorts.next();
      ChildProcess run = start(Map.of("REDIS_URL", "redis://127.0.0.1:" + redisPort, "REDIS_USERNAME", "serving",
          "REDIS_PASSWORD", password, "SERVING_PORT", Integer.toString(port), "SERVING_HOST", "127.0.0.1"));
      try {
        run.awaitOutput("Serving API ready", Duration.ofSeconds(60));
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/health/live", "/health/ready", "/metrics", "/v1/stream-processor")) {
          HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .build(), HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).as(path).isEqualTo(200);
          assertThat(response.body()).as(path).doesNotContain(password);
        }
        assertThat(run.output()).contains("as serving").doesNotContain(password);
      } finally {
        run.kill();
      }

      ChildProcess wrong = start(Map.of("REDIS_URL", "redis://127.0.0.1:" + redisPort, "REDIS_USERNAME", "serving",
          "REDIS_PASSWORD", "not-" + password, "SERVING_REDIS_WAIT_SECONDS", "600", "SERVING_PORT", "0"));
      assertThat(wrong.waitFor(Duration.ofSeconds(60))).as("no waiting for credentials to become right").isNotZero();
      assertThat(wrong.output()).contains("refused the credentials").contains("REDIS_PASSWORD").doesNotContain(password);
    }
  }
}
