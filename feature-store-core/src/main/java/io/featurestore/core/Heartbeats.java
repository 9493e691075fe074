package io.featurestore.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * The stream processors' heartbeats: one hash under the entity prefix
 * ({@code fs:user:_meta:stream-processor}), one field per instance, each field with a TTL.
 * The field name can never be an entity id, so entity reads never meet it.
 */
public final class Heartbeats {
  static final String SUFFIX = "_meta:stream-processor";

  private final UnifiedJedis redis;
  private final String key;
  /** The streaming-write script: value and TTL set atomically, so a heartbeat never outlives its TTL. */
  private final LuaScript setWithTtl;

  Heartbeats(UnifiedJedis redis, FeatureRegistry registry) {
    this.redis = redis;
    this.key = registry.keyPrefix() + SUFFIX;
    this.setWithTtl = new LuaScript(redis, LuaScript.resource("streaming-write.lua"));
  }

  public String key() {
    return key;
  }

  /** Writes (or renews) one instance's heartbeat, expiring after {@code ttlSeconds}. */
  public void write(Heartbeat heartbeat, long ttlSeconds) {
    setWithTtl.eval(List.of(key), List.of(Long.toString(ttlSeconds), "1", heartbeat.instanceId(), heartbeat.encode()));
  }

  /** The heartbeats of every live instance (expired ones are gone). */
  public List<Heartbeat> read() {
    List<Heartbeat> out = new ArrayList<>();
    for (Map.Entry<String, String> e : redis.hgetAll(key).entrySet()) {
      out.add(Heartbeat.decode(e.getKey(), e.getValue()));
    }
    out.sort((a, b) -> a.instanceId().compareTo(b.instanceId()));
    return out;
  }

  /** Removes an instance's heartbeat at once (clean shutdown). */
  public void remove(String instanceId) {
    redis.hdel(key, instanceId);
  }
}
