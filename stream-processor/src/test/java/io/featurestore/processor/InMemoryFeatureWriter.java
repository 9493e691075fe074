package io.featurestore.processor;

import io.featurestore.core.StreamingUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A stand-in for Redis in topology unit tests (no network): applies absolute writes, and
 * models each field's TTL against the test's wall clock, so tests can ask what a reader
 * would see at any time. Integration tests use the real Redis.
 */
final class InMemoryFeatureWriter implements FeatureWriter {
  private final LongSupplier clock;
  private final long ttlMs;
  private final Map<String, Map<String, Object>> values = new HashMap<>();
  private final Map<String, Map<String, Long>> expiresAt = new HashMap<>();
  final List<List<StreamingUpdate>> calls = new ArrayList<>();
  int failuresToThrow;

  InMemoryFeatureWriter(LongSupplier clock, long ttlMs) {
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  @Override
  public void write(List<StreamingUpdate> updates) {
    if (failuresToThrow > 0) {
      failuresToThrow--;
      throw new IllegalStateException("simulated Redis outage");
    }
    calls.add(List.copyOf(updates));
    long now = clock.getAsLong();
    for (StreamingUpdate u : updates) {
      Map<String, Object> fields = values.computeIfAbsent(u.entityId(), k -> new HashMap<>());
      Map<String, Long> expiry = expiresAt.computeIfAbsent(u.entityId(), k -> new HashMap<>());
      u.values().forEach((f, v) -> {
        fields.put(f, v);
        expiry.put(f, now + ttlMs);
      });
      u.remove().forEach(f -> {
        fields.remove(f);
        expiry.remove(f);
      });
    }
  }

  /** What a reader sees at the test clock's current time (expired fields are absent). */
  Object read(String user, String field) {
    Long expiry = expiresAt.getOrDefault(user, Map.of()).get(field);
    if (expiry == null || expiry <= clock.getAsLong()) {
      return null;
    }
    return values.get(user).get(field);
  }

  long count(String user, String field) {
    Object v = read(user, field);
    return v == null ? 0 : (Long) v;
  }

  Long expiresAt(String user, String field) {
    return expiresAt.getOrDefault(user, Map.of()).get(field);
  }
}
