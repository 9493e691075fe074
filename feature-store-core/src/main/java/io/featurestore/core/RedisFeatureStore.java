package io.featurestore.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;

/**
 * {@link FeatureStore} on one Redis server or a Redis Cluster (a {@link Keyspace} of either
 * kind), shared by its parts.
 */
final class RedisFeatureStore implements FeatureStore {
  private final Keyspace keyspace;
  private final FeatureRegistry registry;
  private final RedisFeatureReader reader;
  private final RedisStreamingWriter streamingWriter;
  private final RedisBulkLoader bulkLoader;
  private final RedisStoreAdmin admin;

  RedisFeatureStore(Keyspace keyspace, FeatureRegistry registry) {
    this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.reader = new RedisFeatureReader(keyspace, registry);
    this.streamingWriter = new RedisStreamingWriter(keyspace, registry);
    this.bulkLoader = new RedisBulkLoader(keyspace, registry);
    this.admin = new RedisStoreAdmin(keyspace, registry);
  }

  /** A keyspace of the kind {@code connection} names; connects nothing yet on one server, learns the slots on a cluster. */
  static Keyspace keyspace(RedisConnection connection) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setMinIdle(connection.isCluster() ? 0 : 2);
    pool.setJmxEnabled(false);
    try {
      return connection.isCluster() ? new ClusterKeyspace(connection, pool) : new StandaloneKeyspace(connection, pool);
    } catch (RuntimeException e) {
      throw RedisErrors.translate(e, "cannot connect to Redis at " + connection.describe());
    }
  }

  static RedisFeatureStore connect(RedisConnection connection, FeatureRegistry registry) {
    RedisFeatureStore store = new RedisFeatureStore(keyspace(connection), registry);
    try {
      checkServerVersion(store.keyspace, true);
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * The oldest version among the nodes; refuses one older than 7.4. With {@code everyNode} (at
   * start), every node of a cluster, replicas too, must answer; otherwise (readiness) the masters
   * that can be reached now: one dead master does not take the whole store out of service.
   */
  static RedisVersion checkServerVersion(Keyspace keyspace, boolean everyNode) {
    java.util.function.Function<redis.clients.jedis.Jedis, RedisVersion> version =
        node -> RedisVersion.fromInfo(node.info("server"));
    List<RedisVersion> versions = RedisErrors.call("cannot reach Redis at " + keyspace.where(),
        () -> everyNode ? keyspace.onEveryNode(version) : keyspace.onReachableMasters(version));
    RedisVersion oldest = versions.stream().min(Comparator.naturalOrder()).orElseThrow();
    if (!oldest.supportsFieldTtl()) {
      throw new UnsupportedRedisException("Redis at " + keyspace.where() + (versions.size() > 1 ? " has a node of" : " is")
          + " version " + oldest + "; the feature store needs Redis >= " + RedisVersion.MINIMUM
          + " for per-field TTLs (HEXPIRE/HTTL). Run scripts/provide-redis.sh or use the redis:8 image.");
    }
    return oldest;
  }

  Keyspace keyspace() {
    return keyspace;
  }

  @Override
  public FeatureRegistry registry() {
    return registry;
  }

  @Override
  public FeatureReader reader() {
    return reader;
  }

  @Override
  public RedisStreamingWriter streamingWriter() {
    return streamingWriter;
  }

  @Override
  public BulkLoader bulkLoader() {
    return bulkLoader;
  }

  @Override
  public StoreAdmin admin() {
    return admin;
  }

  @Override
  public void close() {
    streamingWriter.close();
    keyspace.close();
  }

  static List<String> names(List<FeatureDefinition> features) {
    List<String> out = new ArrayList<>(features.size());
    for (FeatureDefinition f : features) {
      out.add(f.name());
    }
    return out;
  }
}
