package io.featurestore.serving;

import io.featurestore.cli.Cli;
import io.featurestore.cli.StoreOptions;
import io.featurestore.core.StoreSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The serving API's settings: flags whose defaults are the environment variables
 * docker-compose and the local stack set ({@link Flags}).
 *
 * @param host       {@code SERVING_HOST} (0.0.0.0)
 * @param port       {@code SERVING_PORT} (8080; 0 picks a free port)
 * @param maxBatch   {@code SERVING_MAX_BATCH} (1000): most entity ids one batch request may name
 * @param threads    {@code SERVING_THREADS} (32): most Jetty worker threads
 * @param apiKeys    {@code SERVING_API_KEYS}, comma-separated; empty turns authentication off
 * @param redisWaitSeconds {@code SERVING_REDIS_WAIT_SECONDS} (30): how long start-up waits for Redis to answer
 * @param store      {@code REDIS_URL}, {@code FS_KEY_PREFIX}, {@code FS_REGISTRY_FILE}, TTLs
 */
public record ServingConfig(String host, int port, int maxBatch, int threads, List<String> apiKeys,
    int redisWaitSeconds, StoreSettings store) {

  public static final String HOST = "SERVING_HOST";
  public static final String PORT = "SERVING_PORT";
  public static final String MAX_BATCH = "SERVING_MAX_BATCH";
  public static final String THREADS = "SERVING_THREADS";
  public static final String API_KEYS = "SERVING_API_KEYS";
  public static final String REDIS_WAIT_SECONDS = "SERVING_REDIS_WAIT_SECONDS";
  /** Every environment variable the serving API reads. */
  public static final Set<String> ENVIRONMENT = Cli.environment(new Flags());

  public ServingConfig {
    apiKeys = List.copyOf(apiKeys);
    if (port < 0 || port > 65535) {
      throw Cli.invalidValue("--port", PORT, "must be a port number 0-65535, not " + port);
    }
    if (maxBatch < 1) {
      throw Cli.invalidValue("--max-batch", MAX_BATCH, "must be >= 1, not " + maxBatch);
    }
    if (threads < 4) {
      // Jetty needs an acceptor and a selector thread besides the workers.
      throw Cli.invalidValue("--threads", THREADS, "must be >= 4, not " + threads);
    }
  }

  public static ServingConfig fromEnv(Map<String, String> env) {
    return fromArgs(new String[0], env);
  }

  /** {@code args} laid over {@code env}; a bad value is an {@code InvalidInputException} naming its flag and variable. */
  public static ServingConfig fromArgs(String[] args, Map<String, String> env) {
    return Cli.parse(new Flags(), env, args).config();
  }

  /** The largest request body accepted: a full batch of long ids fits; anything far larger is refused unread. */
  public long maxRequestBytes() {
    return Math.max(1_000_000L, maxBatch * 200L);
  }

  public boolean authEnabled() {
    return !apiKeys.isEmpty();
  }

  @Override
  public String toString() {
    // Never print the keys themselves.
    return "ServingConfig[host=" + host + ", port=" + port + ", maxBatch=" + maxBatch + ", threads=" + threads
        + ", apiKeys=" + apiKeys.size() + " configured, redisWaitSeconds=" + redisWaitSeconds
        + ", redis=" + store.redis().describe() + "]";
  }

  static List<String> keys(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    Set<String> keys = new LinkedHashSet<>();
    for (String key : value.split(",")) {
      String trimmed = key.trim();
      if (!trimmed.isEmpty()) {
        keys.add(trimmed);
      }
    }
    return new ArrayList<>(keys);
  }

  /** The command line: every setting a flag whose default is its environment variable. */
  @Command(name = "serving-api", mixinStandardHelpOptions = true, version = "serving-api 0.1.0",
      description = "Serves features from Redis over HTTP/JSON, plus a web page at /. Runs until SIGTERM.",
      footer = {"", "Endpoints: GET /v1/features/{id}?features=a,b|service=NAME[&freshness=true],",
          "  POST /v1/features/batch, GET /v1/entities/{id}, GET /v1/registry, GET /v1/stream-processor,",
          "  GET /health/live, GET /health/ready, GET /metrics, GET /openapi.json, GET / (web page).",
          "  See docs/SERVING.md."})
  static final class Flags {
    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "${env:" + HOST + ":-0.0.0.0}",
        description = "Bind address.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:" + PORT + ":-8080}",
        description = "HTTP port; 0 picks a free one.")
    int port;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "${env:" + MAX_BATCH + ":-1000}",
        description = "Most entity ids per batch request; more is 413.")
    int maxBatch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "${env:" + THREADS + ":-32}",
        description = "Most HTTP worker threads.")
    int threads;

    @Option(names = "--api-keys", paramLabel = "KEY[,KEY...]", defaultValue = "${env:" + API_KEYS + "}",
        description = "API keys that /v1 requires (comma-separated); without any, no authentication.")
    String apiKeys;

    @Option(names = "--redis-wait-seconds", paramLabel = "S", defaultValue = "${env:" + REDIS_WAIT_SECONDS + ":-30}",
        description = "How long start-up waits for Redis to answer.")
    int redisWaitSeconds;

    ServingConfig config() {
      return new ServingConfig(host, port, maxBatch, threads, keys(apiKeys), redisWaitSeconds, store.settings());
    }
  }
}
