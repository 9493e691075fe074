package io.featurestore.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** {@link FeatureStore} on one Redis server, through one pooled client shared by its parts. */
final class RedisFeatureStore implements FeatureStore {
  private final UnifiedJedis redis;
  private final FeatureRegistry registry;
  private final boolean ownsClient;
  private final RedisFeatureReader reader;
  private final RedisStreamingWriter streamingWriter;
  private final RedisBulkLoader bulkLoader;
  private final RedisStoreAdmin admin;

  /** A store on a client the caller keeps and closes. */
  RedisFeatureStore(UnifiedJedis redis, FeatureRegistry registry) {
    this(redis, registry, false, "Redis");
  }

  private RedisFeatureStore(UnifiedJedis redis, FeatureRegistry registry, boolean ownsClient, String where) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.ownsClient = ownsClient;
    this.reader = new RedisFeatureReader(redis, registry, where);
    this.streamingWriter = new RedisStreamingWriter(redis, registry);
    this.bulkLoader = new RedisBulkLoader(redis, registry);
    this.admin = new RedisStoreAdmin(redis, registry);
  }

  static RedisFeatureStore connect(String redisUrl, FeatureRegistry registry) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setMinIdle(2);
    pool.setJmxEnabled(false);
    String where = StoreSettings.redactedUrl(redisUrl);
    RedisClient client;
    try {
      client = RedisClient.builder().fromURI(redisUrl).poolConfig(pool).build();
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("REDIS_URL " + where + " is not a Redis URL (redis://[user:password@]host:port[/db]): "
          + e.getMessage());
    } catch (RuntimeException e) {
      throw RedisErrors.translate(e, "cannot connect to Redis at " + where);
    }
    RedisFeatureStore store = new RedisFeatureStore(client, registry, true, where);
    try {
      checkServerVersion(client, where);
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The server's version; refuses one older than 7.4. */
  static RedisVersion checkServerVersion(UnifiedJedis redis, String where) {
    RedisVersion version;
    try {
      version = RedisVersion.fromInfo(redis.info("server"));
    } catch (RuntimeException e) {
      throw RedisErrors.translate(e, "cannot reach Redis at " + where);
    }
    if (!version.supportsFieldTtl()) {
      throw new UnsupportedRedisException("Redis at " + where + " is version " + version
          + "; the feature store needs Redis >= " + RedisVersion.MINIMUM
          + " for per-field TTLs (HEXPIRE/HTTL). Run scripts/provide-redis.sh or use the redis:8 image.");
    }
    return version;
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
    if (ownsClient) {
      redis.close();
    }
  }

  static List<String> names(List<FeatureDefinition> features) {
    List<String> out = new ArrayList<>(features.size());
    for (FeatureDefinition f : features) {
      out.add(f.name());
    }
    return out;
  }
}
