package io.featurestore.serving;

import io.featurestore.core.EntityInspection;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureReader;
import io.featurestore.core.FeatureRef;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.UnknownFeatureException;
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
  /** By key (the registry's, so each entity has its own), the stored values. */
  private final Map<String, Map<String, Object>> entities = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> fieldTtls = new ConcurrentHashMap<>();
  private final Map<String, Long> keyTtls = new ConcurrentHashMap<>();
  /** Keys that hold another type than a hash, as a foreign write under the prefix leaves them. */
  private final java.util.Set<String> notHashes = ConcurrentHashMap.newKeySet();
  /** By key, fields that hold a value their feature's type cannot read, as the Redis reader reports them. */
  private final Map<String, Map<String, String>> invalid = new ConcurrentHashMap<>();
  final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  /** When set, every call throws what it supplies instead of answering. */
  volatile Supplier<RuntimeException> failure;

  InMemoryReader(FeatureRegistry registry) {
    this.registry = registry;
  }

  /** Stores a user's features (typed values) with a TTL for each, and a key TTL (null: none). */
  InMemoryReader put(String entityId, Map<String, Object> values, long fieldTtl, Long keyTtl) {
    return put(registry.entityName(), entityId, values, fieldTtl, keyTtl);
  }

  /** Makes a user's key one of another type than a hash: its reads answer the error the Redis reader gives. */
  InMemoryReader putNotAHash(String entityId) {
    notHashes.add(registry.keyOf(entityId));
    return this;
  }

  /** Gives a stored user's feature a value its type cannot read: reads answer it missing, with an error. */
  InMemoryReader putInvalid(String entityId, String feature, String wire) {
    invalid.computeIfAbsent(registry.keyOf(entityId), k -> new ConcurrentHashMap<>()).put(feature, wire);
    return this;
  }

  /** {@link #put(String, Map, long, Long)} for an entity of any kind. */
  InMemoryReader put(String entity, String entityId, Map<String, Object> values, long fieldTtl, Long keyTtl) {
    String key = registry.forEntity(entity).keyOf(entityId);
    entities.put(key, new LinkedHashMap<>(values));
    Map<String, Long> ttls = new LinkedHashMap<>();
    values.keySet().forEach(f -> ttls.put(f, fieldTtl));
    fieldTtls.put(key, ttls);
    if (keyTtl != null) {
      keyTtls.put(key, keyTtl);
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
      out.add(vector(registry, id, features, freshness));
    }
    return out;
  }

  /** Checks as the Redis reader does (every row before any read), then one call for every row. */
  @Override
  public List<Map<String, FeatureVector>> getRows(List<Map<String, String>> rows, List<FeatureRef> refs, boolean freshness) {
    Map<String, List<FeatureDefinition>> byEntity = new LinkedHashMap<>();
    for (FeatureRef ref : refs) {
      FeatureDefinition f = registry.entity(ref.entity()).isEmpty() ? null
          : registry.forEntity(ref.entity()).feature(ref.feature()).orElse(null);
      if (f == null) {
        throw new UnknownFeatureException("unknown feature", List.of(ref.toString()), List.of());
      }
      byEntity.computeIfAbsent(ref.entity(), e -> new ArrayList<>()).add(f);
    }
    for (Map<String, String> row : rows) {
      if (!row.keySet().equals(byEntity.keySet())) {
        throw new InvalidInputException("row " + row + " does not give exactly the ids of " + byEntity.keySet());
      }
      row.forEach((entity, id) -> registry.forEntity(entity).keyOf(id));
    }
    call();
    List<Map<String, FeatureVector>> out = new ArrayList<>();
    for (Map<String, String> row : rows) {
      Map<String, FeatureVector> vectors = new LinkedHashMap<>();
      byEntity.forEach((entity, features) ->
          vectors.put(entity, vector(registry.forEntity(entity), row.get(entity), features, freshness)));
      out.add(vectors);
    }
    return out;
  }

  private FeatureVector vector(FeatureRegistry view, String id, List<FeatureDefinition> features, boolean freshness) {
    String key = view.keyOf(id);
    if (notHashes.contains(key)) {
      return FeatureVector.unreadable(id, features.stream().map(FeatureDefinition::name).toList(),
          "key '" + key + "' cannot be read as a hash: WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    Map<String, Object> stored = entities.getOrDefault(key, Map.of());
    Map<String, Object> present = new LinkedHashMap<>();
    Map<String, Long> ttls = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (FeatureDefinition f : features) {
      String wire = invalid.getOrDefault(key, Map.of()).get(f.name());
      if (wire != null) {
        missing.add(f.name());
        errors.add("feature '" + f.name() + "' (" + f.type().registryName() + "): '" + wire + "' is not of its type");
      } else if (stored.containsKey(f.name())) {
        present.put(f.name(), stored.get(f.name()));
        if (freshness) {
          ttls.put(f.name(), fieldTtls.get(key).get(f.name()));
        }
      } else {
        missing.add(f.name());
      }
    }
    OptionalLong keyTtl = freshness && keyTtls.containsKey(key) ? OptionalLong.of(keyTtls.get(key)) : OptionalLong.empty();
    return new FeatureVector(id, entities.containsKey(key), present, missing, ttls, keyTtl, errors.isEmpty()
        ? java.util.Optional.empty() : java.util.Optional.of(key + ": " + String.join("; ", errors) + "; served as missing"));
  }

  @Override
  public Optional<EntityInspection> inspect(String entityId) {
    return inspect(registry.entityName(), entityId);
  }

  @Override
  public Optional<EntityInspection> inspect(String entity, String entityId) {
    if (registry.entity(entity).isEmpty()) {
      throw new InvalidInputException("unknown entity '" + entity + "'");
    }
    String key = registry.forEntity(entity).keyOf(entityId);
    call();
    Map<String, Object> stored = entities.get(key);
    return stored == null ? Optional.empty() : Optional.of(new EntityInspection(entityId, key, stored,
        fieldTtls.get(key), keyTtls.containsKey(key) ? OptionalLong.of(keyTtls.get(key)) : OptionalLong.empty()));
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
