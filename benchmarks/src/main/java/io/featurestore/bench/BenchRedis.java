package io.featurestore.bench;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisServer;
import java.io.PrintWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.RedisClient;

/**
 * The Redis a benchmark measures: the one at {@code --redis-url}, or a redis-server of its own on
 * a free loopback port (no persistence). Reads its INFO; closing removes the benchmark's keys
 * (SCAN + UNLINK through the store, never FLUSHALL) and stops its own server.
 */
final class BenchRedis implements AutoCloseable {
  final String url;
  private final RedisServer own;
  private final RedisClient client;
  private final PrintWriter err;
  private final String[] prefixes;

  BenchRedis(Options.Redis options, PrintWriter err, String... prefixes) {
    this.own = options.url == null ? RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next()) : null;
    this.url = own == null ? options.url : own.url();
    this.client = RedisClient.create(url);
    this.err = err;
    this.prefixes = prefixes;
  }

  RedisClient client() {
    return client;
  }

  String describe() {
    String owner = own != null ? " (started by this benchmark, no persistence)" : "";
    return info("server", "redis_version") + " at " + url + owner;
  }

  /** CPU seconds the server process has used (all its threads), from INFO cpu. */
  double cpuSeconds() {
    return Double.parseDouble(info("cpu", "used_cpu_user")) + Double.parseDouble(info("cpu", "used_cpu_sys"));
  }

  /** Removes every key under the benchmark's prefixes; connecting through the store refuses a Redis older than 7.4. */
  void reset() {
    for (String prefix : prefixes) {
      try (FeatureStore store = FeatureStore.connect(url, registry(prefix))) {
        store.admin().reset();
      }
    }
  }

  static FeatureRegistry registry(String prefix) {
    FeatureRegistry bundled = FeatureRegistry.bundled();
    return bundled.withOverrides(prefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
  }

  /** A field of an INFO section; "?" when absent. */
  private String info(String section, String field) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(field) + ":(.*?)\\r?$").matcher(client.info(section));
    return m.find() ? m.group(1) : "?";
  }

  @Override
  public void close() {
    try {
      reset();
    } catch (RuntimeException e) {
      err.println("warning: could not remove the benchmark's keys: " + e.getMessage());
    }
    client.close();
    if (own != null) {
      own.close();
      Workspace.delete(own.logFile().getParent()); // its temporary folder (logs)
    }
  }
}
