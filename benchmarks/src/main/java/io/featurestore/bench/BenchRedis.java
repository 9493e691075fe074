package io.featurestore.bench;

import io.featurestore.core.EntityDefinition;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.RedisConnection;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisCluster;
import io.featurestore.infra.RedisServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The Redis a benchmark measures: the one at {@code --redis-url}, a redis-server of its own on a
 * free loopback port, or a Redis Cluster of its own (masters only; no persistence either way).
 * Reads its INFO; closing removes the benchmark's keys (SCAN + UNLINK through the store, never
 * FLUSHALL) and stops its own servers.
 */
final class BenchRedis implements AutoCloseable {
  /** The server's URL; of a cluster, its first node's. */
  final String url;
  final RedisConnection connection;
  private final RedisServer own;
  private final RedisCluster cluster;
  /** One per server, each cluster node's included. */
  private final List<RedisClient> clients;
  private final PrintWriter err;
  private final String[] prefixes;

  BenchRedis(Options.Redis options, PrintWriter err, String... prefixes) {
    this(options.url == null ? RedisServer.start(RedisBenchmarkTool.redisServer(), FreePorts.next()) : null, null,
        options.url, err, prefixes);
  }

  private BenchRedis(RedisServer own, RedisCluster cluster, String url, PrintWriter err, String... prefixes) {
    this.own = own;
    this.cluster = cluster;
    this.url = cluster != null ? cluster.nodes().get(0).url() : own != null ? own.url() : url;
    this.connection = cluster == null ? RedisConnection.url(this.url) : new RedisConnection(this.url,
        RedisConnection.nodeList(cluster.seeds()), Optional.empty(), Optional.empty(), false,
        Optional.empty());
    this.clients = (cluster == null ? List.of(this.url) : cluster.nodes().stream().map(RedisServer::url).toList()).stream()
        .map(RedisClient::create).toList();
    this.err = err;
    this.prefixes = prefixes;
  }

  /** A Redis Cluster of its own: {@code masters} masters, no replicas. */
  static BenchRedis cluster(int masters, PrintWriter err, String... prefixes) {
    return new BenchRedis(null, RedisCluster.start(masters, 0), null, err, prefixes);
  }

  RedisClient client() {
    return clients.get(0);
  }

  /** What a serving or processor process is given to reach this Redis. */
  Map<String, String> env() {
    return cluster == null ? Map.of(RedisConnection.REDIS_URL, url) : Map.of(RedisConnection.CLUSTER_NODES, cluster.seeds());
  }

  /** The URL of the server that holds {@code key}: of a cluster, its slot's master. */
  String urlOf(String key) {
    return cluster == null ? url : cluster.masterOf(JedisClusterCRC16.getSlot(key)).url();
  }

  String describe() {
    String where = cluster != null ? "a cluster of " + clients.size() + " masters " + cluster.seeds() + " (no replicas)"
        : url + (own == null ? "" : " (no persistence)");
    return info(client(), "server", "redis_version") + " at " + where + (own == null && cluster == null ? ""
        : ", started by this benchmark");
  }

  /** CPU seconds the server processes have used (all their threads), from INFO cpu. */
  double cpuSeconds() {
    return clients.stream().mapToDouble(c -> Double.parseDouble(info(c, "cpu", "used_cpu_user"))
        + Double.parseDouble(info(c, "cpu", "used_cpu_sys"))).sum();
  }

  /** Removes every key under the benchmark's prefixes; connecting through the store refuses a Redis older than 7.4. */
  void reset() {
    for (String prefix : prefixes) {
      try (FeatureStore store = FeatureStore.connect(connection, registry(prefix))) {
        store.admin().reset();
      }
    }
  }

  static FeatureRegistry registry(String prefix) {
    FeatureRegistry bundled = FeatureRegistry.bundled();
    return bundled.withOverrides(prefix, bundled.batchTtlSeconds(), bundled.streamTtlSeconds());
  }

  /**
   * The registry {@code name}: {@code bundled} (feature-store-core's), a registry this module ships
   * ({@code registries/NAME.yaml}, e.g. {@code five}), or else a YAML file at that path, copied to
   * {@code file} with every entity after the first moved under {@code othersPrefix + entity + ":"}
   * ({@code fs:merchant:} → {@code bench:stream-merchant:}): a process given the copy as
   * {@code FS_REGISTRY_FILE}, and {@code FS_KEY_PREFIX=firstPrefix}, writes and reads only under the
   * benchmark's prefixes. Returns the copy as that process sees it, parsed (a bad file fails here).
   */
  static FeatureRegistry registryFile(String name, Path file, String firstPrefix, String othersPrefix) {
    String resource = name.equals("bundled") ? FeatureRegistry.BUNDLED_RESOURCE : "/registries/" + name + ".yaml";
    String yaml;
    try (InputStream in = BenchRedis.class.getResourceAsStream(resource)) {
      yaml = in != null ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(name));
    } catch (IOException e) {
      throw new IllegalArgumentException("registry '" + name + "': neither bundled, nor " + resource
          + " in the benchmarks jar, nor a readable file (" + e + ")", e);
    }
    FeatureRegistry original = FeatureRegistry.parse(new StringReader(yaml), name);
    for (EntityDefinition entity : original.entities().subList(1, original.entities().size())) {
      yaml = yaml.replaceAll("(?m)^(\\s*(?:-\\s*)?key_prefix:\\s*[\"']?)" + Pattern.quote(entity.keyPrefix()),
          "$1" + Matcher.quoteReplacement(othersPrefix + entity.name() + ":"));
    }
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FeatureRegistry copy = FeatureRegistry.load(file);
    for (EntityDefinition entity : copy.entities().subList(1, copy.entities().size())) {
      if (!entity.keyPrefix().equals(othersPrefix + entity.name() + ":")) {
        throw new IllegalStateException("could not move the key prefix of entity " + entity.name() + " in " + name);
      }
    }
    return copy.withOverrides(firstPrefix, copy.batchTtlSeconds(), copy.streamTtlSeconds());
  }

  /** What {@code registry} streams: "8 stream features over 2 entities (user 7, merchant 1)". */
  static String streamFeatures(FeatureRegistry registry) {
    Map<String, Long> byEntity = registry.declaredFeatures().stream().filter(f -> f.source() == FeatureSource.STREAM)
        .collect(Collectors.groupingBy(FeatureDefinition::entity, LinkedHashMap::new, Collectors.counting()));
    return byEntity.values().stream().mapToLong(Long::longValue).sum() + " stream features over " + byEntity.size()
        + (byEntity.size() == 1 ? " entity (" : " entities (") + byEntity.entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")";
  }

  /** A field of an INFO section; "?" when absent. */
  private static String info(RedisClient client, String section, String field) {
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
    clients.forEach(RedisClient::close);
    for (RedisServer server : own != null ? List.of(own) : cluster != null ? cluster.nodes() : List.<RedisServer>of()) {
      server.close(); // and its temporary folder
    }
  }
}
