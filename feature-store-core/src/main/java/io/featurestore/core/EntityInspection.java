package io.featurestore.core;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Everything stored for one entity, for debugging: every field (typed when the registry
 * knows it, raw otherwise), each field's TTL ({@code -1} = none) and the key's TTL.
 *
 * @param fieldCount how many fields the hash holds: more than {@code values} when it holds more
 *                   than {@link #MAX_FIELDS_SHOWN} (written by something else), and then
 *                   {@code values} has only the registry's features
 */
public record EntityInspection(String entityId, String key, Map<String, Object> values,
    Map<String, Long> fieldTtlSeconds, OptionalLong keyTtlSeconds, long fieldCount) {
  /** The most fields an inspection shows; an entity's hash holds its registry's features, tens of them. */
  public static final int MAX_FIELDS_SHOWN = 1000;

  public EntityInspection {
    values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    fieldTtlSeconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fieldTtlSeconds));
  }

  /** An inspection that shows every field of the hash. */
  public EntityInspection(String entityId, String key, Map<String, Object> values, Map<String, Long> fieldTtlSeconds,
      OptionalLong keyTtlSeconds) {
    this(entityId, key, values, fieldTtlSeconds, keyTtlSeconds, values.size());
  }

  /** Fields of the hash that are not shown: those beyond the registry's, in a hash of too many fields. */
  public long fieldsNotShown() {
    return fieldCount - values.size();
  }
}
