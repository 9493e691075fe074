package io.featurestore.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * The stream processors' heartbeats: one hash under {@code fs:meta:}, never under an entity
 * prefix ({@code fs:meta:stream-processor:fs:user:} for the entities under {@code fs:user:}), one
 * field per instance, each field with a TTL. Processors that write the same entity prefix share
 * it; a reset or the entity statistics never meet it.
 */
public final class Heartbeats {
  /** Where every key that is not an entity lives. */
  public static final String META_PREFIX = "fs:meta:";
  static final String PREFIX = META_PREFIX + "stream-processor:";

  private final UnifiedJedis redis;
  private final String key;
  /** The streaming-write script: value and TTL set atomically, so a heartbeat never outlives its TTL. */
  private final LuaScript setWithTtl;

  Heartbeats(UnifiedJedis redis, FeatureRegistry registry) {
    this.redis = redis;
    this.key = PREFIX + registry.keyPrefix();
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
