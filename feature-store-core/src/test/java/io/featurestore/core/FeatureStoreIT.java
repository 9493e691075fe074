package io.featurestore.core;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** The store's contract on one Redis server. */
@ExtendWith(RedisExtension.class)
class FeatureStoreIT extends FeatureStoreContract {
  private final RedisEndpoint redis;

  FeatureStoreIT(RedisEndpoint redis) {
    this.redis = redis;
  }

  @Override
  RedisConnection connection() {
    return RedisConnection.url(redis.url());
  }

  @Override
  UnifiedJedis rawClient() {
    return RedisClient.create(redis.url());
  }

  @Override
  void flushScripts() {
    raw.scriptFlush();
  }

  @Override
  int masters() {
    return 1;
  }
}
