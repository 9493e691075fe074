package io.featurestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.featurestore.events.Topics;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.ProjectScripts;
import io.featurestore.infra.junit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline driven the way a user drives it: through {@code ./stack}, the event
 * simulator's {@code send}, and the serving API over HTTP. Every service is its own OS
 * process; ports are free ones, so a stack the user runs is not disturbed.
 */
class LocalStackIT {
  private static final Path ROOT = ProjectScripts.root();
  private static final int STREAM_TTL_SECONDS = 6;
  /** Loaded by the materializer but outside the simulator's users: only this test's events reach it. */
  private static final String USER = "u0250";
  private static final String FEATURES = "risk_segment,country_iso,tx_count_5m,failed_logins_15m";
  /** A feature only the test's own registry declares: nothing in the code knows it. */
  private static final String DECLARED_ONLY = "tx_amount_mean_5m";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, String> env = new HashMap<>();
  private int servingPort;

  @TempDir
  Path stackDir;

  private void useFreePorts() {
    servingPort = FreePorts.next();
    env.put("FS_STACK_DIR", stackDir.toString());
    env.put("FS_STACK_SKIP_BUILD", "1"); // the reactor has just built every jar
    env.put("REDIS_PORT", Integer.toString(FreePorts.next()));
    env.put("KAFKA_PORT", Integer.toString(FreePorts.next()));
    env.put("KAFKA_CONTROLLER_PORT", Integer.toString(FreePorts.next()));
    env.put("SERVING_PORT", Integer.toString(servingPort));
    env.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(FreePorts.next()));
    env.put("FS_STREAM_TTL_SECONDS", Integer.toString(STREAM_TTL_SECONDS));
    env.put("FS_USERS", "300");
    env.put("FS_SIM_USERS", "200");
    env.put("FS_SIM_RATE", "20");
  }

  /**
   * Also with a registry of the test's own (FS_REGISTRY_FILE): the bundled one plus a feature
   * that no code names, which every service then computes, serves and lets expire like the others.
   */
  @Test
  void shouldServeStreamingFeaturesAndLetThemExpireWhenTheProcessorStops() throws Exception {
    useFreePorts();
    env.put("FS_REGISTRY_FILE", customRegistry().toString());
    try {
      String up = run(Duration.ofMinutes(5), "./stack", "up");
      assertThat(up).contains("The feature store is up", "http://127.0.0.1:" + servingPort + "/");
      assertThat(run(Duration.ofSeconds(60), "./stack", "status"))
          .containsPattern("redis\\s+running \\(pid \\d+\\) ready")
          .containsPattern("kafka\\s+running \\(pid \\d+\\) ready, .*, \\d+ records in " + Pattern.quote(String.join(", ", Topics.ALL)))
          .containsPattern("stream-processor\\s+running \\(pid \\d+\\) healthy")
          .containsPattern("serving-api\\s+running \\(pid \\d+\\) healthy");

      JsonNode before = features();
      assertThat(before.path("features").path("risk_segment").isTextual()).as(before.toString()).isTrue();
      assertThat(before.path("missing").toString()).contains("tx_count_5m", "failed_logins_15m");

      send("transaction", "--user", USER, "--amount", "12.50");
      send("login", "--user", USER, "--failed");
      JsonNode fresh = awaitFeatures(Duration.ofSeconds(30), "both counts served",
          r -> r.path("features").path("tx_count_5m").asInt() == 1 && r.path("features").path("failed_logins_15m").asInt() == 1);
      assertThat(fresh.path("features").path(DECLARED_ONLY).asDouble()).as(fresh.toString()).isEqualTo(12.5);
      assertThat(fresh.path("ttl_seconds").path("tx_count_5m").asLong()).isBetween(1L, (long) STREAM_TTL_SECONDS);
      long keyTtl = fresh.path("key_ttl_seconds").asLong();
      long freshReadAt = System.nanoTime();
      assertThat(keyTtl).isPositive();

      run(Duration.ofMinutes(1), "./stack", "stop", "stream-processor");
      assertThat(run(Duration.ofSeconds(30), "./stack", "status")).containsPattern("stream-processor\\s+stopped");
      JsonNode expired = awaitFeatures(Duration.ofSeconds(STREAM_TTL_SECONDS + 5), "streaming fields expired",
          r -> r.path("missing").toString().contains("tx_count_5m") && r.path("missing").toString().contains("failed_logins_15m")
              && r.path("missing").toString().contains(DECLARED_ONLY));
      assertThat(expired.path("features").path("risk_segment").asText()).isEqualTo(before.path("features").path("risk_segment").asText());
      assertThat(expired.path("features").path("country_iso").isTextual()).isTrue();
      long secondsSince = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - freshReadAt) + 2; // TTLs are rounded
      assertThat(expired.path("key_ttl_seconds").asLong()).as("key TTL stays").isBetween(keyTtl - secondsSince, keyTtl);

      run(Duration.ofMinutes(3), "./stack", "start", "stream-processor");
      send("transaction", "--user", USER, "--amount", "7.00");
      // The first transaction is still inside its 5-minute window: the restarted processor counts it too.
      awaitFeatures(Duration.ofSeconds(30), "new events served after the restart",
          r -> r.path("features").path("tx_count_5m").asInt() == 2 && r.path("features").path(DECLARED_ONLY).asDouble() == 9.75);
    } finally {
      run(Duration.ofMinutes(2), "./stack", "down");
    }
    assertNothingLeftRunning();
  }

  /**
   * FS_REDIS_CLUSTER=3: the same pipeline on a local 3-master Redis Cluster. The users are spread
   * over the three masters, streaming and batch features of one user are served together, and down
   * stops every node. The cluster's own behaviour (routing, failover) is tested in feature-store-core.
   */
  @Test
  void shouldRunThePipelineOnALocalRedisCluster() throws Exception {
    // Three node ports in a row, and their bus ports, that nothing here holds.
    int redisPort = FreePorts.consecutive(3);
    int busPort = FreePorts.consecutive(3);
    useFreePorts();
    env.put("REDIS_PORT", Integer.toString(redisPort));
    env.put("FS_REDIS_CLUSTER", "3");
    env.put("FS_REDIS_CLUSTER_BUS_PORT", Integer.toString(busPort));
    try {
      assertThat(run(Duration.ofMinutes(5), "./stack", "up")).contains("The feature store is up", "redis cluster ready: 3 masters");
      String status = run(Duration.ofSeconds(60), "./stack", "status");
      assertThat(status).contains("cluster_state ok on 3 nodes",
          "REDIS_CLUSTER_NODES=127.0.0.1:" + redisPort + ",127.0.0.1:" + (redisPort + 1) + ",127.0.0.1:" + (redisPort + 2));
      for (int node = 1; node <= 3; node++) {
        assertThat(status).containsPattern("redis-" + node + "\\s+running \\(pid \\d+\\) ready, 127.0.0.1:" + (redisPort + node - 1)
            + ", master, slots [0-9-]+, [1-9][0-9]* keys");
      }

      send("transaction", "--user", USER, "--amount", "12.50");
      JsonNode served = awaitFeatures(Duration.ofSeconds(30), "a streaming count served from the cluster",
          r -> r.path("features").path("tx_count_5m").asInt() == 1);
      assertThat(served.path("features").path("risk_segment").isTextual()).as(served.toString()).isTrue();

      env.remove("FS_REDIS_CLUSTER");
      assertThat(runFailing(Duration.ofSeconds(30), "./stack", "up")).as("one Redis asked for while the cluster runs")
          .contains("runs on a Redis Cluster of 3 masters", "./stack down first");
    } finally {
      run(Duration.ofMinutes(2), "./stack", "down");
    }
    assertNothingLeftRunning();
  }

  /** The bundled registry with one more stream feature, declared in YAML only. */
  private Path customRegistry() throws IOException {
    String bundled;
    try (var in = io.featurestore.core.FeatureRegistry.class.getResourceAsStream(
        io.featurestore.core.FeatureRegistry.BUNDLED_RESOURCE)) {
      bundled = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    String extra = String.join("\n",
        "  - name: " + DECLARED_ONLY,
        "    type: double",
        "    source: stream",
        "    description: Mean transaction amount over the last 5 minutes (declared by the test only)",
        "    from: transaction",
        "    aggregate: mean",
        "    field: amount",
        "    window: 5m",
        "",
        "services:");
    Path file = stackDir.resolve("registry-with-" + DECLARED_ONLY + ".yaml");
    Files.writeString(file, bundled.replace("\nservices:", "\n" + extra));
    return file;
  }

  private void assertNothingLeftRunning() throws IOException {
    List<String> running = new ArrayList<>();
    try (var pids = Files.list(stackDir)) {
      pids.filter(p -> p.toString().endsWith(".pid")).forEach(p -> running.add(p.getFileName().toString()));
    }
    assertThat(running).as("pid files left after down").isEmpty();
    assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(stackDir.toString())))
        .as("processes left after down").isEmpty();
  }

  private JsonNode features() {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servingPort
          + "/v1/features/" + USER + "?features=" + FEATURES + (env.containsKey("FS_REGISTRY_FILE") ? "," + DECLARED_ONLY : "")
          + "&freshness=true")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode awaitFeatures(Duration timeout, String what, Predicate<JsonNode> condition) {
    return Await.value(what, timeout, this::features, condition);
  }

  private void send(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", "event-simulator/target/event-simulator.jar", "send"));
    command.addAll(List.of(args));
    command.addAll(List.of("--bootstrap-servers", "127.0.0.1:" + env.get("KAFKA_PORT")));
    run(Duration.ofSeconds(60), command.toArray(String[]::new));
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private String run(Duration timeout, String... command) throws IOException, InterruptedException {
    return run(timeout, 0, command);
  }

  /** Runs a command that must fail with exit code 2 (a setting refused); its output. */
  private String runFailing(Duration timeout, String... command) throws IOException, InterruptedException {
    return run(timeout, 2, command);
  }

  private String run(Duration timeout, int exitCode, String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("stack-cmd", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    pb.environment().putAll(env);
    Process process = pb.start();
    boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    String output = Files.readString(out);
    Files.deleteIfExists(out);
    if (!done) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n" + output);
    }
    assertThat(process.exitValue()).as(String.join(" ", command) + " exit code:\n" + output).isEqualTo(exitCode);
    return output;
  }
}
