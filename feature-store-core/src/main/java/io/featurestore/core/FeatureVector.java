package io.featurestore.core;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What one read returns for one entity.
 *
 * @param entityId      the entity read
 * @param found         false when the entity's hash does not exist (expired or never loaded)
 * @param values        present features, typed, in the order asked for
 * @param missing       requested features that are absent (never null values)
 * @param ttlSeconds    with freshness: remaining TTL of each present field that has one
 * @param keyTtlSeconds with freshness: the key-level TTL, when the key has one
 */
public record FeatureVector(String entityId, boolean found, Map<String, Object> values, List<String> missing,
    Map<String, Long> ttlSeconds, OptionalLong keyTtlSeconds) {

  public FeatureVector {
    values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    missing = List.copyOf(missing);
    ttlSeconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ttlSeconds));
  }
}
