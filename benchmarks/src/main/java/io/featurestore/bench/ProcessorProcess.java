package io.featurestore.bench;

import io.featurestore.infra.FreePorts;
import io.featurestore.processor.StreamProcessorConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real stream processor as its own process, exactly as it is deployed:
 * {@code java -jar stream-processor/target/stream-processor.jar} with its settings in the
 * environment. Its {@code /health} tells when Kafka Streams is RUNNING, its {@code /metrics}
 * (Prometheus text) what it did.
 */
final class ProcessorProcess extends ChildJvm {
  static final String JAR_ENV = "FS_PROCESSOR_JAR";
  static final String DEFAULT_JAR = "stream-processor/target/stream-processor.jar";

  private final int metricsPort;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private ProcessorProcess(Path jar, List<String> javaOptions, Map<String, String> env, Path log, int metricsPort) {
    super("stream-processor", javaOptions, List.of("-jar", jar.toString()), env, log);
    this.metricsPort = metricsPort;
    this.env = env;
  }

  /**
   * Starts the processor. {@code env} holds this benchmark's settings (Kafka, Redis, prefix,
   * application id, state dir); {@code overrides} (from the command line) win over them. The
   * settings are checked with the processor's own parser before anything is started.
   */
  static ProcessorProcess start(Path jar, List<String> javaOptions, Map<String, String> env, Map<String, String> overrides,
      Path log) {
    int port = FreePorts.next();
    Map<String, String> all = new LinkedHashMap<>(env);
    all.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(port));
    all.putAll(overrides);
    StreamProcessorConfig.fromEnv(all);
    int metricsPort = Integer.parseInt(all.get("FS_PROCESSOR_METRICS_PORT"));
    return new ProcessorProcess(jar, javaOptions, all, log, metricsPort);
  }

  /** {@code --processor-jar}, else {@code FS_PROCESSOR_JAR}, else the module's jar in this checkout. */
  static Path locateJar(Path configured) {
    Path jar = configured;
    if (jar == null && System.getenv(JAR_ENV) != null && !System.getenv(JAR_ENV).isBlank()) {
      jar = Path.of(System.getenv(JAR_ENV).trim());
    }
    if (jar == null) {
      for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
        if (Files.isRegularFile(dir.resolve(DEFAULT_JAR))) {
          jar = dir.resolve(DEFAULT_JAR);
          break;
        }
      }
    }
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IllegalStateException("no stream processor jar" + (jar == null ? "" : " at " + jar)
          + "; build it (mvn -q install -DskipTests -DskipITs), or pass --processor-jar or set " + JAR_ENV);
    }
    return jar.toAbsolutePath().normalize();
  }

  Map<String, String> env() {
    return env;
  }

  String applicationId() {
    return env.get("FS_PROCESSOR_APPLICATION_ID");
  }

  /** Kafka Streams' state from {@code /health} ({@code {"state":"RUNNING"}}), or null while it does not answer. */
  String state() {
    String body = get("/health");
    if (body == null) {
      return null;
    }
    int at = body.indexOf("\"state\":\"");
    return at < 0 ? null : body.substring(at + 9, body.indexOf('"', at + 9));
  }

  /** Waits until Kafka Streams is RUNNING; returns the {@code System.nanoTime()} it was first seen so (polled every 5 ms). */
  long awaitRunning(long timeoutSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      requireAlive();
      if ("RUNNING".equals(state())) {
        return System.nanoTime();
      }
      sleep(5);
    }
    throw new IllegalStateException("the stream processor was not RUNNING within " + timeoutSeconds + " s (state "
        + state() + "); its output ends with:\n" + logTail(3000));
  }

  /** Its {@code /metrics}, parsed. */
  PrometheusText metrics() {
    String body = get("/metrics");
    if (body == null) {
      throw new IllegalStateException("the stream processor's /metrics did not answer");
    }
    return PrometheusText.parse(body);
  }

  private String get(String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@code KEY=VALUE} pairs from the command line. */
  static Map<String, String> parseOverrides(List<String> pairs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : pairs == null ? new ArrayList<String>() : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--processor-env takes KEY=VALUE, not '" + pair + "'");
      }
      out.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return out;
  }

  /** Splits a java options string on whitespace. */
  static List<String> splitOptions(String options) {
    List<String> out = new ArrayList<>();
    if (options != null) {
      for (String part : options.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    }
    return out;
  }
}
