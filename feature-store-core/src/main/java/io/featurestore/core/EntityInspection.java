package io.featurestore.core;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Everything stored for one entity, for debugging: every field (typed when the registry
 * knows it, raw otherwise), each field's TTL ({@code -1} = none) and the key's TTL.
 */
public record EntityInspection(String entityId, String key, Map<String, Object> values,
    Map<String, Long> fieldTtlSeconds, OptionalLong keyTtlSeconds) {
  public EntityInspection {
    values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    fieldTtlSeconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fieldTtlSeconds));
  }
}
