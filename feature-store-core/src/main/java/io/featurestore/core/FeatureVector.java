package io.featurestore.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one read returns for one entity.
 *
 * @param entityId      the entity read
 * @param found         false when the entity's hash does not exist (expired or never loaded)
 * @param values        present features, typed, in the order asked for
 * @param missing       requested features that are absent, or hold a value their type cannot read (never null values)
 * @param ttlSeconds    with freshness: remaining TTL of each present field that has one
 * @param keyTtlSeconds with freshness: the key-level TTL, when the key has one
 * @param error         what of this entity could not be read, the others of the same read being served:
 *                      its key holds another type than a hash (then {@code found} is false and every
 *                      requested feature is missing), or some of its fields hold values their feature's
 *                      type cannot read, written by something else (then {@code found} is true and
 *                      those features are missing, never served as another type).
 */
public record FeatureVector(String entityId, boolean found, Map<String, Object> values, List<String> missing,
    Map<String, Long> ttlSeconds, OptionalLong keyTtlSeconds, Optional<String> error) {

  public FeatureVector {
    values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    missing = List.copyOf(missing);
    ttlSeconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ttlSeconds));
  }

  /** An entity that was read: no error. */
  public FeatureVector(String entityId, boolean found, Map<String, Object> values, List<String> missing,
      Map<String, Long> ttlSeconds, OptionalLong keyTtlSeconds) {
    this(entityId, found, values, missing, ttlSeconds, keyTtlSeconds, Optional.empty());
  }

  /** True when nothing of this entity could be read (its key holds another type than a hash): see {@code error}. */
  public boolean unreadableKey() {
    return error.isPresent() && !found;
  }

  /** An entity that could not be read, and why. */
  public static FeatureVector unreadable(String entityId, List<String> requested, String error) {
    return new FeatureVector(entityId, false, Map.of(), requested, Map.of(), OptionalLong.empty(), Optional.of(error));
  }
}
