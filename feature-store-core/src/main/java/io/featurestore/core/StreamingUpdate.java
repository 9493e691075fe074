package io.featurestore.core;

import java.util.Map;
import java.util.Set;

/**
 * An absolute streaming write for one entity: fields to set (each then gets the stream
 * TTL), fields to set that expire at a given moment instead, and fields to remove (a window
 * feature whose window became empty).
 *
 * <p>{@code expiring} fields keep an expiry fixed when their fact was first processed
 * ({@code HPEXPIREAT}): rewriting them after a restart or rebalance never extends their life.
 *
 * @param entity     the registry entity the id belongs to; {@code null} for the writer's registry's first entity
 * @param values     typed values ({@code Long}, {@code Double}, {@code String}, {@code Boolean}) or their text
 * @param remove     fields to delete
 * @param expiring   fields to set that expire at {@code expireAtMs} rather than one stream TTL from now
 * @param expireAtMs epoch millis at which {@code expiring} fields expire (ignored when there are none)
 */
public record StreamingUpdate(String entity, String entityId, Map<String, ?> values, Set<String> remove,
    Map<String, ?> expiring, long expireAtMs) {
  public StreamingUpdate {
    values = Map.copyOf(values);
    remove = Set.copyOf(remove);
    expiring = Map.copyOf(expiring);
  }

  /** An update of the registry's first entity. */
  public StreamingUpdate(String entityId, Map<String, ?> values, Set<String> remove, Map<String, ?> expiring,
      long expireAtMs) {
    this(null, entityId, values, remove, expiring, expireAtMs);
  }

  /** An update of the registry's first entity, without fields of a fixed expiry. */
  public StreamingUpdate(String entityId, Map<String, ?> values, Set<String> remove) {
    this(null, entityId, values, remove, Map.of(), 0);
  }

  public static StreamingUpdate set(String entityId, Map<String, ?> values) {
    return new StreamingUpdate(entityId, values, Set.of());
  }
}
