package io.featurestore.serving;

import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StoreSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The serving API's settings, from the environment (the names docker-compose and the local
 * stack use); command-line flags override them.
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
  public static final Set<String> ENVIRONMENT = java.util.stream.Stream.concat(StoreSettings.ENVIRONMENT.stream(),
      java.util.stream.Stream.of(HOST, PORT, MAX_BATCH, THREADS, API_KEYS, REDIS_WAIT_SECONDS))
      .collect(java.util.stream.Collectors.toUnmodifiableSet());

  /** Flags and the environment variable each one stands for. */
  static final Map<String, String> FLAGS = Map.of(
      "--host", HOST,
      "--port", PORT,
      "--max-batch", MAX_BATCH,
      "--threads", THREADS,
      "--api-keys", API_KEYS,
      "--redis-wait-seconds", REDIS_WAIT_SECONDS,
      "--redis-url", StoreSettings.REDIS_URL,
      "--key-prefix", StoreSettings.KEY_PREFIX,
      "--registry-file", StoreSettings.REGISTRY_FILE);

  public ServingConfig {
    apiKeys = List.copyOf(apiKeys);
    if (port < 0 || port > 65535) {
      throw new InvalidInputException(PORT + " must be a port number 0-65535, not " + port);
    }
    if (maxBatch < 1) {
      throw new InvalidInputException(MAX_BATCH + " must be >= 1, not " + maxBatch);
    }
    if (threads < 4) {
      // Jetty needs an acceptor and a selector thread besides the workers.
      throw new InvalidInputException(THREADS + " must be >= 4, not " + threads);
    }
  }

  public static ServingConfig fromEnv(Map<String, String> env) {
    return new ServingConfig(
        text(env, HOST, "0.0.0.0"),
        number(env, PORT, 8080),
        number(env, MAX_BATCH, 1000),
        number(env, THREADS, 32),
        keys(env.get(API_KEYS)),
        number(env, REDIS_WAIT_SECONDS, 30),
        StoreSettings.fromEnv(env));
  }

  /** The environment with {@code --flag value} or {@code --flag=value} arguments laid over it. */
  public static ServingConfig fromArgs(String[] args, Map<String, String> env) {
    Map<String, String> merged = new HashMap<>(env);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        value = null;
      }
      String variable = FLAGS.get(flag);
      if (variable == null) {
        throw new InvalidInputException("unknown option '" + flag + "'; allowed: "
            + String.join(", ", new TreeSet<>(FLAGS.keySet())) + ", --help");
      }
      if (value == null) {
        throw new InvalidInputException("option " + flag + " needs a value");
      }
      merged.put(variable, value);
    }
    return fromEnv(merged);
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
        + ", redisUrl=" + store.redisUrl() + "]";
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

  private static String text(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static int number(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(name + " must be a whole number, not '" + value + "'");
    }
  }
}
