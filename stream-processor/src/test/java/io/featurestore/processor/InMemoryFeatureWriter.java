package io.featurestore.processor;

import io.featurestore.core.StreamingUpdate;
import io.featurestore.core.WriteRejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  /** Users whose key Redis refuses (as for a key of another type under the prefix). */
  final Set<String> refused = new HashSet<>();

  InMemoryFeatureWriter(LongSupplier clock, long ttlMs) {
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  @Override
  public List<WriteRejection> write(List<StreamingUpdate> updates) {
    if (failuresToThrow > 0) {
      failuresToThrow--;
      throw new IllegalStateException("simulated Redis outage");
    }
    calls.add(List.copyOf(updates));
    long now = clock.getAsLong();
    List<WriteRejection> rejected = new ArrayList<>();
    for (StreamingUpdate u : updates) {
      if (refused.contains(u.entityId())) {
        rejected.add(new WriteRejection(u.entityId(), "fs:user:" + u.entityId(), "WRONGTYPE simulated"));
        continue;
      }
      String key = key(u.entity(), u.entityId());
      Map<String, Object> fields = values.computeIfAbsent(key, k -> new HashMap<>());
      Map<String, Long> expiry = expiresAt.computeIfAbsent(key, k -> new HashMap<>());
      u.values().forEach((f, v) -> {
        fields.put(f, v);
        expiry.put(f, now + ttlMs);
      });
      u.expiring().forEach((f, v) -> {
        fields.put(f, v);
        expiry.put(f, u.expireAtMs());
      });
      u.remove().forEach(f -> {
        fields.remove(f);
        expiry.remove(f);
      });
    }
    return rejected;
  }

  private long resets;

  /** As a Redis restarted without its data: everything is gone, and the writer says so. */
  void restartEmpty() {
    values.clear();
    expiresAt.clear();
    resets++;
  }

  @Override
  public long serverResets() {
    return resets;
  }

  /** An entity's key here: the user's by id alone (as the topology writes it with no entity), any other's with its entity. */
  private static String key(String entity, String id) {
    return entity == null || entity.equals("user") ? id : entity + ":" + id;
  }

  /** What a reader sees at the test clock's current time (expired fields are absent). */
  Object read(String user, String field) {
    return read("user", user, field);
  }

  Object read(String entity, String id, String field) {
    Long expiry = expiresAt.getOrDefault(key(entity, id), Map.of()).get(field);
    if (expiry == null || expiry <= clock.getAsLong()) {
      return null;
    }
    return values.get(key(entity, id)).get(field);
  }

  long count(String user, String field) {
    Object v = read(user, field);
    return v == null ? 0 : (Long) v;
  }

  Long expiresAt(String user, String field) {
    return expiresAt.getOrDefault(key("user", user), Map.of()).get(field);
  }

  /** Every field of an entity a reader sees now. */
  Map<String, Object> fields(String entity, String id) {
    Map<String, Object> out = new HashMap<>();
    values.getOrDefault(key(entity, id), Map.of()).keySet().forEach(f -> {
      Object v = read(entity, id, f);
      if (v != null) {
        out.put(f, v);
      }
    });
    return out;
  }
}
