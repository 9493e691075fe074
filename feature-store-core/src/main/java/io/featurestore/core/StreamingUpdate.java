package io.featurestore.core;

import java.util.Map;
import java.util.Set;

/**
 * An absolute streaming write for one entity: fields to set (each then gets the stream
 * TTL) and fields to remove (a window count that reached zero).
 *
 * @param values typed values ({@code Long}, {@code Double}, {@code String}, {@code Boolean}) or their text
 */
public record StreamingUpdate(String entityId, Map<String, ?> values, Set<String> remove) {
  public StreamingUpdate {
    values = Map.copyOf(values);
    remove = Set.copyOf(remove);
  }

  public static StreamingUpdate set(String entityId, Map<String, ?> values) {
    return new StreamingUpdate(entityId, values, Set.of());
  }
}
