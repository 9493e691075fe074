package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.FreePorts;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The runnable jar as users start it ({@code java -jar serving-api/target/serving-api.jar}):
 * one ready line, serving, a graceful stop on SIGTERM, and clear failures for bad settings.
 */
@ExtendWith(RedisExtension.class)
class ServingMainIT {
  private static final Path JAR = Path.of("target", "serving-api.jar").toAbsolutePath();

  /** A started jar; its output goes to a file, which survives the process (its pipes would not). */
  private record Run(Process process, Path output) {
    List<String> lines() {
      try {
        return Files.readAllLines(output, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void awaitLine(String text, Duration timeout) {
      Await.value("a line containing '" + text + "'", timeout, this::lines,
          lines -> lines.stream().anyMatch(l -> l.contains(text)));
    }
  }

  private static Run start(Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("built by the package phase").exists();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Path output = Files.createTempFile("serving-api-", ".log");
    output.toFile().deleteOnExit();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("SERVING_") || k.startsWith("FS_") || k.equals("REDIS_URL"));
    builder.environment().putAll(env);
    return new Run(builder.start(), output);
  }

  @Test
  void shouldStartWithOneReadyLineServeAndStopGracefullyOnSigterm(RedisEndpoint redis) throws Exception {
    int port = FreePorts.next();
    Run run = start(Map.of("REDIS_URL", redis.url(), "SERVING_PORT", Integer.toString(port),
        "SERVING_HOST", "127.0.0.1", "FS_KEY_PREFIX", "it:main:"));
    try {
      run.awaitLine("Serving API ready on http://127.0.0.1:" + port, Duration.ofSeconds(60));
      assertThat(run.lines()).as("nothing but the ready line at start").hasSize(1);
      assertThat(run.lines().get(0)).contains("prefix 'it:main:'", "batch limit 1000", "API keys off");

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);

      run.process().destroy(); // SIGTERM
      assertThat(run.process().waitFor(20, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      run.awaitLine("Serving API stopped", Duration.ofSeconds(5));
      assertThat(run.lines()).anyMatch(l -> l.contains("Stopping the serving API"));
    } finally {
      run.process().destroyForcibly();
    }
  }

  @Test
  void shouldPrintUsageWithHelp() throws Exception {
    Run run = start(Map.of(), "--help");
    assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run.process().exitValue()).isZero();
    run.awaitLine("Usage: serving-api", Duration.ofSeconds(5));
    assertThat(String.join("\n", run.lines())).containsPattern("(?m)^  SERVING_MAX_BATCH +--max-batch +1000$");
  }

  @Test
  void shouldRefuseABadSettingWithAClearMessage() throws Exception {
    Run run = start(Map.of("SERVING_PORT", "eighty"));
    assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run.process().exitValue()).isEqualTo(2);
    run.awaitLine("Invalid value for --port (SERVING_PORT): 'eighty' is not a whole number", Duration.ofSeconds(5));
    assertThat(run.lines()).as("one line, no stack trace").hasSize(1);

    Run outOfRange = start(Map.of(), "--threads", "2");
    assertThat(outOfRange.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(outOfRange.process().exitValue()).isEqualTo(2);
    assertThat(outOfRange.lines()).containsExactly("Invalid value for --threads (SERVING_THREADS): must be >= 4, not 2");
  }

  @Test
  void shouldGiveUpOnAnUnreachableRedisAfterTheWait() throws Exception {
    Run run = start(Map.of("REDIS_URL", "redis://127.0.0.1:" + FreePorts.next(),
        "SERVING_REDIS_WAIT_SECONDS", "1", "SERVING_PORT", "0"));
    assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run.process().exitValue()).isEqualTo(2);
    run.awaitLine("cannot reach Redis", Duration.ofSeconds(5));
  }
}
