package io.featurestore.serving;

import io.featurestore.core.EntityInspection;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureReader;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureVector;
import io.featurestore.core.Heartbeat;
import io.featurestore.core.RedisVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link FeatureReader} held in memory, for the serving API's HTTP tests: it resolves names and
 * ids with the registry as the Redis reader does, counts its calls (one call, one round trip),
 * and can be told to fail as the store would.
 */
final class InMemoryReader implements FeatureReader {
  private final FeatureRegistry registry;
  private final Map<String, Map<String, Object>> entities = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> fieldTtls = new ConcurrentHashMap<>();
  private final Map<String, Long> keyTtls = new ConcurrentHashMap<>();
  final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  /** When set, every call throws what it supplies instead of answering. */
  volatile Supplier<RuntimeException> failure;

  InMemoryReader(FeatureRegistry registry) {
    this.registry = registry;
  }

  /** Stores an entity's features (typed values) with a TTL for each, and a key TTL (null: none). */
  InMemoryReader put(String entityId, Map<String, Object> values, long fieldTtl, Long keyTtl) {
    entities.put(entityId, new LinkedHashMap<>(values));
    Map<String, Long> ttls = new LinkedHashMap<>();
    values.keySet().forEach(f -> ttls.put(f, fieldTtl));
    fieldTtls.put(entityId, ttls);
    if (keyTtl != null) {
      keyTtls.put(entityId, keyTtl);
    }
    return this;
  }

  private void call() {
    calls.incrementAndGet();
    Supplier<RuntimeException> f = failure;
    if (f != null) {
      throw f.get();
    }
  }

  @Override
  public List<FeatureVector> getBatch(List<String> entityIds, List<String> featureNames, boolean freshness) {
    List<FeatureDefinition> features = registry.resolve(featureNames);
    entityIds.forEach(registry::keyOf);
    call();
    List<FeatureVector> out = new ArrayList<>();
    for (String id : entityIds) {
      Map<String, Object> stored = entities.getOrDefault(id, Map.of());
      Map<String, Object> present = new LinkedHashMap<>();
      Map<String, Long> ttls = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      for (FeatureDefinition f : features) {
        if (stored.containsKey(f.name())) {
          present.put(f.name(), stored.get(f.name()));
          if (freshness) {
            ttls.put(f.name(), fieldTtls.get(id).get(f.name()));
          }
        } else {
          missing.add(f.name());
        }
      }
      OptionalLong keyTtl = freshness && keyTtls.containsKey(id) ? OptionalLong.of(keyTtls.get(id)) : OptionalLong.empty();
      out.add(new FeatureVector(id, entities.containsKey(id), present, missing, ttls, keyTtl));
    }
    return out;
  }

  @Override
  public Optional<EntityInspection> inspect(String entityId) {
    String key = registry.keyOf(entityId);
    call();
    Map<String, Object> stored = entities.get(entityId);
    return stored == null ? Optional.empty() : Optional.of(new EntityInspection(entityId, key, stored,
        fieldTtls.get(entityId), keyTtls.containsKey(entityId) ? OptionalLong.of(keyTtls.get(entityId)) : OptionalLong.empty()));
  }

  @Override
  public List<Heartbeat> processorHeartbeats() {
    call();
    return List.copyOf(heartbeats);
  }

  @Override
  public FeatureRegistry registry() {
    return registry;
  }

  @Override
  public RedisVersion checkServerVersion() {
    call();
    return new RedisVersion(8, 0, 2);
  }
}
