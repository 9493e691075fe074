package io.featurestore.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@link FeatureReader} on a {@link Keyspace}: HMGET of named fields (never HGETALL, except
 * {@link #inspect}), a batch in one pipeline per node.
 */
final class RedisFeatureReader implements FeatureReader {
  private final Keyspace keyspace;
  private final FeatureRegistry registry;
  private final LuaScript inspect;
  /** Each entity's single-entity view of the registry, by entity name. */
  private final Map<String, FeatureRegistry> views;
  /** Every entity's features as {@code entity.feature}, for messages. */
  private final List<String> qualifiedFeatureNames;

  RedisFeatureReader(Keyspace keyspace, FeatureRegistry registry) {
    this.keyspace = keyspace;
    this.registry = registry;
    this.inspect = new LuaScript(keyspace, LuaScript.resource("inspect.lua"));
    // Views are built once: forEntity copies the registry, too much for the request path.
    Map<String, FeatureRegistry> byEntity = new LinkedHashMap<>();
    List<String> qualified = new ArrayList<>();
    for (String entity : registry.entityNames()) {
      FeatureRegistry view = registry.forEntity(entity);
      byEntity.put(entity, view);
      view.featureNames().forEach(name -> qualified.add(entity + "." + name));
    }
    this.views = java.util.Collections.unmodifiableMap(byEntity);
    this.qualifiedFeatureNames = List.copyOf(qualified);
  }

  /** One entity's replies: its values, and with freshness its fields' and key's TTLs; or the error Redis gave for its key. */
  private record Replies(List<String> values, List<Long> fieldTtls, Long keyTtl, String error) {
    @SuppressWarnings("unchecked")
    static Replies of(String key, Object values, Object fieldTtls, Object keyTtl) {
      // No array or stream here: this runs for every entity of every read.
      JedisDataException error = values instanceof JedisDataException e ? e
          : fieldTtls instanceof JedisDataException e ? e : keyTtl instanceof JedisDataException e ? e : null;
      if (error != null) {
        return new Replies(null, null, null, "key '" + key + "' cannot be read as a hash: " + error.getMessage());
      }
      return new Replies((List<String>) values, (List<Long>) fieldTtls, (Long) keyTtl, null);
    }
  }

  /** What one key is read for: the features (in the order asked for) and their field names. */
  private record Selection(List<FeatureDefinition> features, String[] fields) {
    static Selection of(List<FeatureDefinition> features) {
      return new Selection(features, RedisFeatureStore.names(features).toArray(new String[0]));
    }
  }

  @Override
  public FeatureRegistry registry() {
    return registry;
  }

  @Override
  public List<FeatureVector> getBatch(List<String> entityIds, List<String> featureNames, boolean freshness) {
    Selection selection = Selection.of(registry.resolve(featureNames));
    List<String> keys = new ArrayList<>(entityIds.size());
    for (String id : entityIds) {
      keys.add(registry.keyOf(id));
    }
    try {
      return read(entityIds, keys, java.util.Collections.nCopies(keys.size(), selection), freshness);
    } catch (RuntimeException e) {
      // The message is built only on failure: this is the request path.
      throw RedisErrors.translate(e, "reading " + keys.size() + " entities from Redis at " + keyspace.where());
    }
  }

  @Override
  public List<Map<String, FeatureVector>> getRows(List<Map<String, String>> rows, List<FeatureRef> features,
      boolean freshness) {
    Map<String, Selection> byEntity = resolve(features);
    int perRow = byEntity.size();
    List<String> ids = new ArrayList<>(rows.size() * perRow);
    List<String> keys = new ArrayList<>(rows.size() * perRow);
    List<Selection> selections = new ArrayList<>(rows.size() * perRow);
    for (int r = 0; r < rows.size(); r++) {
      Map<String, String> row = rows.get(r);
      for (String entity : row.keySet()) {
        if (!byEntity.containsKey(entity)) {
          throw new InvalidInputException(views.containsKey(entity)
              ? "row " + r + " gives a " + entity + " id, but no requested feature is a " + entity + "'s"
              : "row " + r + " names entity '" + entity + "', which the registry does not declare (it declares: "
                  + String.join(", ", views.keySet()) + ")");
        }
      }
      for (Map.Entry<String, Selection> e : byEntity.entrySet()) {
        String id = row.get(e.getKey());
        if (id == null) {
          throw new InvalidInputException("row " + r + " has no " + e.getKey() + " id; the requested features need one of: "
              + String.join(", ", byEntity.keySet()));
        }
        keys.add(views.get(e.getKey()).keyOf(id));
        ids.add(id);
        selections.add(e.getValue());
      }
    }
    List<FeatureVector> vectors;
    try {
      vectors = read(ids, keys, selections, freshness);
    } catch (RuntimeException e) {
      throw RedisErrors.translate(e, "reading " + keys.size() + " entities of " + rows.size() + " rows from Redis at "
          + keyspace.where());
    }
    List<Map<String, FeatureVector>> out = new ArrayList<>(rows.size());
    int i = 0;
    for (int r = 0; r < rows.size(); r++) {
      Map<String, FeatureVector> row = new LinkedHashMap<>(perRow * 2);
      for (String entity : byEntity.keySet()) {
        row.put(entity, vectors.get(i++));
      }
      out.add(java.util.Collections.unmodifiableMap(row));
    }
    return out;
  }

  /** The requested features grouped by entity, the entities in the order first named. */
  private Map<String, Selection> resolve(List<FeatureRef> features) {
    if (features.isEmpty()) {
      throw new InvalidInputException("no features requested; allowed: " + String.join(", ", qualifiedFeatureNames));
    }
    Map<String, List<FeatureDefinition>> grouped = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    java.util.Set<FeatureRef> seen = new java.util.HashSet<>();
    for (FeatureRef ref : features) {
      FeatureRegistry view = views.get(ref.entity());
      Optional<FeatureDefinition> definition = view == null ? Optional.empty() : view.feature(ref.feature());
      if (definition.isEmpty()) {
        unknown.add(ref.toString());
      } else if (!seen.add(ref)) {
        throw new InvalidInputException("feature '" + ref + "' is requested twice");
      } else {
        grouped.computeIfAbsent(ref.entity(), e -> new ArrayList<>()).add(definition.get());
      }
    }
    if (!unknown.isEmpty()) {
      throw new UnknownFeatureException("unknown feature" + (unknown.size() > 1 ? "s" : ""), unknown,
          qualifiedFeatureNames);
    }
    Map<String, Selection> out = new LinkedHashMap<>();
    grouped.forEach((entity, list) -> out.put(entity, Selection.of(list)));
    return out;
  }

  /** Reads key {@code i} for {@code selections.get(i)}: one HMGET each, pipelined (one per node). */
  private List<FeatureVector> read(List<String> entityIds, List<String> keys, List<Selection> selections,
      boolean freshness) {
    List<Replies> replies;
    if (keys.size() == 1 && !freshness) {
      Object values;
      try {
        values = keyspace.redis().hmget(keys.get(0), selections.get(0).fields());
      } catch (JedisDataException e) {
        if (e instanceof redis.clients.jedis.exceptions.JedisRedirectionException) {
          throw e;
        }
        values = e;
      }
      replies = List.of(Replies.of(keys.get(0), values, null, null));
    } else {
      replies = keyspace.pipelined(keys, (pipeline, key, i) -> {
        String[] fields = selections.get(i).fields();
        Response<List<String>> values = pipeline.hmget(key, fields);
        Response<List<Long>> fieldTtls = freshness ? pipeline.httl(key, fields) : null;
        Response<Long> keyTtl = freshness ? pipeline.ttl(key) : null;
        return () -> Replies.of(key, Keyspace.replyOrError(values), freshness ? Keyspace.replyOrError(fieldTtls) : null,
            freshness ? Keyspace.replyOrError(keyTtl) : null);
      });
    }
    List<List<String>> values = new ArrayList<>(keys.size());
    List<List<Long>> fieldTtls = new ArrayList<>(freshness ? keys.size() : 0);
    List<Long> keyTtls = new ArrayList<>(freshness ? keys.size() : 0);
    for (Replies r : replies) {
      values.add(r.values());
      if (freshness) {
        fieldTtls.add(r.fieldTtls());
        keyTtls.add(r.keyTtl());
      }
    }
    boolean[] exists = existsWhereAllMissing(keys, values, freshness ? keyTtls : null);
    List<FeatureVector> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      String[] fields = selections.get(i).fields();
      List<FeatureDefinition> features = selections.get(i).features();
      List<String> raw = values.get(i);
      if (raw == null) {
        out.add(FeatureVector.unreadable(entityIds.get(i), List.of(fields), replies.get(i).error()));
        continue;
      }
      List<Long> httl = freshness ? fieldTtls.get(i) : null;
      Map<String, Object> present = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      Map<String, Long> ttls = new LinkedHashMap<>();
      List<String> invalid = null; // made only for a value of another type: this runs for every entity read
      for (int f = 0; f < fields.length; f++) {
        String wire = raw.get(f);
        if (wire == null) {
          missing.add(fields[f]);
          continue;
        }
        FeatureDefinition feature = features.get(f);
        try {
          present.put(fields[f], feature.type().decode(wire));
        } catch (IllegalArgumentException e) {
          // Written by something else: served as missing, never as a value of another type.
          missing.add(fields[f]);
          invalid = invalid == null ? new ArrayList<>() : invalid;
          invalid.add("feature '" + fields[f] + "' (" + feature.type().registryName() + "): " + e.getMessage());
          continue;
        }
        if (httl != null && httl.get(f) != null && httl.get(f) >= 0) {
          ttls.put(fields[f], httl.get(f));
        }
      }
      OptionalLong keyTtl = freshness && keyTtls.get(i) >= 0 ? OptionalLong.of(keyTtls.get(i)) : OptionalLong.empty();
      Optional<String> error = invalid == null ? Optional.empty()
          : Optional.of(keys.get(i) + ": " + String.join("; ", invalid) + "; served as missing");
      out.add(new FeatureVector(entityIds.get(i), !present.isEmpty() || invalid != null || exists[i], present, missing,
          ttls, keyTtl, error));
    }
    return out;
  }

  /** For entities with every requested field absent: does the hash exist at all? */
  private boolean[] existsWhereAllMissing(List<String> keys, List<List<String>> values, List<Long> keyTtls) {
    boolean[] exists = new boolean[keys.size()];
    List<Integer> unknown = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i) != null && values.get(i).stream().allMatch(Objects::isNull)) {
        if (keyTtls != null) {
          exists[i] = keyTtls.get(i) != -2L; // TTL answers -2 for a missing key
        } else {
          unknown.add(i);
        }
      }
    }
    if (unknown.size() == 1) {
      int i = unknown.get(0);
      exists[i] = keyspace.redis().exists(keys.get(i));
    } else if (!unknown.isEmpty()) {
      List<Boolean> answers = keyspace.pipelined(unknown.stream().map(keys::get).toList(), (pipeline, key, j) -> {
        Response<Boolean> answer = pipeline.exists(key);
        return answer::get;
      });
      for (int j = 0; j < unknown.size(); j++) {
        exists[unknown.get(j)] = answers.get(j);
      }
    }
    return exists;
  }

  /** A read-only script runs HGETALL, HTTL and TTL; registry fields first, then fields it does not know. */
  @Override
  public Optional<EntityInspection> inspect(String entityId) {
    return inspect(registry, entityId);
  }

  @Override
  public Optional<EntityInspection> inspect(String entity, String entityId) {
    FeatureRegistry view = views.get(entity);
    if (view == null) {
      throw new InvalidInputException("unknown entity '" + entity + "'; the registry declares: "
          + String.join(", ", views.keySet()));
    }
    return inspect(view, entityId);
  }

  @SuppressWarnings("unchecked")
  private Optional<EntityInspection> inspect(FeatureRegistry view, String entityId) {
    String key = view.keyOf(entityId);
    List<String> args = new ArrayList<>();
    args.add(Integer.toString(EntityInspection.MAX_FIELDS_SHOWN));
    args.addAll(view.featureNames());
    List<Object> reply = RedisErrors.call("inspecting " + key, () -> (List<Object>) inspect.eval(List.of(key), args));
    if (reply.isEmpty()) {
      return Optional.empty();
    }
    List<Object> flat = (List<Object>) reply.get(0);
    List<Object> ttls = (List<Object>) reply.get(1);
    long keyTtl = (Long) reply.get(2);
    long fieldCount = (Long) reply.get(3);
    Map<String, String> fields = new TreeMap<>();
    Map<String, Long> ttlByField = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      fields.put(text(flat.get(i)), text(flat.get(i + 1)));
      ttlByField.put(text(flat.get(i)), (Long) ttls.get(i / 2));
    }
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, Long> orderedTtls = new LinkedHashMap<>();
    for (FeatureDefinition f : view.features()) {
      String wire = fields.remove(f.name());
      if (wire != null) {
        values.put(f.name(), f.type().decodeOrText(wire));
        orderedTtls.put(f.name(), ttlByField.get(f.name()));
      }
    }
    for (Map.Entry<String, String> e : fields.entrySet()) {
      values.put(e.getKey(), e.getValue());
      orderedTtls.put(e.getKey(), ttlByField.get(e.getKey()));
    }
    return Optional.of(new EntityInspection(entityId, key, values, orderedTtls,
        keyTtl >= 0 ? OptionalLong.of(keyTtl) : OptionalLong.empty(), fieldCount));
  }

  @Override
  public List<Heartbeat> processorHeartbeats() {
    Map<String, String> fields = RedisErrors.call("reading the processor heartbeats",
        () -> keyspace.redis().hgetAll(Heartbeat.keyFor(registry)));
    List<Heartbeat> out = new ArrayList<>();
    fields.forEach((instance, wire) -> out.add(Heartbeat.decode(instance, wire)));
    out.sort((a, b) -> a.instanceId().compareTo(b.instanceId()));
    return out;
  }

  @Override
  public RedisVersion checkServerVersion() {
    return RedisFeatureStore.checkServerVersion(keyspace, false);
  }

  private static String text(Object o) {
    return o instanceof byte[] ? new String((byte[]) o, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
