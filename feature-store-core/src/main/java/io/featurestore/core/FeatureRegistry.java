package io.featurestore.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The declarative description of the entities and their features: each entity's key layout
 * and id rule, each feature's entity, type, source and (streaming) declaration, TTL defaults
 * and named feature services. Every module reads it, and it is the only place that builds
 * Redis keys. Immutable and thread-safe.
 *
 * <p>The single-entity methods ({@link #keyPrefix()}, {@link #keyOf}, {@link #features()},
 * {@link #resolve}, {@link #services()}, …) are about one entity: the first one, or the one
 * a view from {@link #forEntity} is about. Code that handles one entity at a time (a bulk load,
 * a streaming write, a single-entity read) takes such a view. The whole declaration is
 * {@link #entities()}, {@link #declaredFeatures()} and {@link #allServices()}.
 */
public final class FeatureRegistry {
  /** The registry bundled with the library; {@code FS_REGISTRY_FILE} points to another. */
  public static final String BUNDLED_RESOURCE = "/feature-registry.yaml";
  static final int MAX_ENTITY_ID_LENGTH = 128;

  private final String source;
  private final List<EntityDefinition> entities;
  private final EntityDefinition primary;
  private final long batchTtlSeconds;
  private final long streamTtlSeconds;
  private final List<FeatureDefinition> declaredFeatures;
  private final Map<String, FeatureService> allServices;
  /** The first entity's features, by name. */
  private final Map<String, FeatureDefinition> features;
  private final Map<String, FeatureService> services;
  private final List<String> featureNames;

  FeatureRegistry(String source, List<EntityDefinition> entities, long batchTtlSeconds, long streamTtlSeconds,
      Collection<FeatureDefinition> features, Collection<FeatureService> services) {
    this.source = Objects.requireNonNull(source);
    this.entities = List.copyOf(entities);
    if (this.entities.isEmpty()) {
      throw new IllegalArgumentException("a registry needs at least one entity");
    }
    requireDisjointPrefixes(this.entities);
    this.primary = this.entities.get(0);
    this.batchTtlSeconds = requirePositive("batch TTL", batchTtlSeconds);
    this.streamTtlSeconds = requirePositive("stream TTL", streamTtlSeconds);
    this.declaredFeatures = List.copyOf(features);
    Map<String, FeatureDefinition> byName = new LinkedHashMap<>();
    for (FeatureDefinition f : declaredFeatures) {
      if (f.entity().equals(primary.name())) {
        byName.put(f.name(), f);
      }
    }
    this.features = java.util.Collections.unmodifiableMap(byName);
    this.featureNames = List.copyOf(byName.keySet());
    Map<String, FeatureService> all = new LinkedHashMap<>();
    Map<String, FeatureService> singleEntity = new LinkedHashMap<>();
    for (FeatureService s : services) {
      all.put(s.name(), s);
      if (s.members().stream().allMatch(m -> m.entity().equals(primary.name()))) {
        singleEntity.put(s.name(), s);
      }
    }
    this.allServices = java.util.Collections.unmodifiableMap(all);
    this.services = java.util.Collections.unmodifiableMap(singleEntity);
  }

  private static void requireDisjointPrefixes(List<EntityDefinition> entities) {
    for (int i = 0; i < entities.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (entities.get(i).overlaps(entities.get(j))) {
          throw new IllegalArgumentException(overlapMessage(entities.get(i), entities.get(j)));
        }
      }
    }
  }

  static String overlapMessage(EntityDefinition a, EntityDefinition b) {
    return "key prefix '" + a.keyPrefix() + "' of entity '" + a.name() + "' and key prefix '" + b.keyPrefix()
        + "' of entity '" + b.name() + "' overlap: a SCAN of one would reach the other's keys";
  }

  public static FeatureRegistry bundled() {
    try (InputStream in = FeatureRegistry.class.getResourceAsStream(BUNDLED_RESOURCE)) {
      if (in == null) {
        throw new FeatureStoreException("the bundled registry " + BUNDLED_RESOURCE + " is missing from the classpath");
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8), "classpath:" + BUNDLED_RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static FeatureRegistry load(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader, file.toString());
    } catch (IOException e) {
      throw new RegistryException(file.toString(), 0, "cannot read: " + e.getMessage());
    }
  }

  /** Parses and validates a registry; a bad one fails with {@code source:line: reason}. */
  public static FeatureRegistry parse(Reader yaml, String sourceName) {
    return new RegistryParser(sourceName).parse(yaml);
  }

  /**
   * This registry with another key prefix for the first entity and other TTLs (the
   * deployment's overrides).
   *
   * @throws RegistryException when the new prefix overlaps another entity's
   */
  public FeatureRegistry withOverrides(String keyPrefix, long batchTtlSeconds, long streamTtlSeconds) {
    List<EntityDefinition> changed = new ArrayList<>(entities);
    changed.set(0, primary.withKeyPrefix(keyPrefix));
    for (EntityDefinition other : entities.subList(1, entities.size())) {
      if (changed.get(0).overlaps(other)) {
        throw new RegistryException(source, 0, overlapMessage(changed.get(0), other));
      }
    }
    return new FeatureRegistry(source, changed, batchTtlSeconds, streamTtlSeconds, declaredFeatures,
        allServices.values());
  }

  /**
   * This registry seen from another entity: the single-entity methods ({@link #keyOf},
   * {@link #features()}, {@link #services()}, …) are then about {@code entityName}.
   *
   * @throws IllegalArgumentException naming the entities when there is no such entity
   */
  public FeatureRegistry forEntity(String entityName) {
    if (primary.name().equals(entityName)) {
      return this;
    }
    EntityDefinition chosen = entity(entityName).orElseThrow(() -> new IllegalArgumentException(
        "unknown entity '" + entityName + "'; the registry declares: " + String.join(", ", entityNames())));
    List<EntityDefinition> reordered = new ArrayList<>(entities.size());
    reordered.add(chosen);
    entities.stream().filter(e -> e != chosen).forEach(reordered::add);
    return new FeatureRegistry(source, reordered, batchTtlSeconds, streamTtlSeconds, declaredFeatures,
        allServices.values());
  }

  /** Every entity's name, in registry order. */
  public List<String> entityNames() {
    return entities.stream().map(EntityDefinition::name).toList();
  }

  /** Where the registry was read from (a file, or the bundled resource). */
  public String source() {
    return source;
  }

  /** Every entity; the first is the one the single-entity methods are about (see {@link #forEntity}). */
  public List<EntityDefinition> entities() {
    return entities;
  }

  public Optional<EntityDefinition> entity(String name) {
    return entities.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  /** Every feature of every entity, in registry order. */
  public List<FeatureDefinition> declaredFeatures() {
    return declaredFeatures;
  }

  public List<FeatureDefinition> declaredFeatures(String entity) {
    return declaredFeatures.stream().filter(f -> f.entity().equals(entity)).toList();
  }

  public Optional<FeatureDefinition> declaredFeature(String entity, String name) {
    return declaredFeatures.stream().filter(f -> f.entity().equals(entity) && f.name().equals(name)).findFirst();
  }

  /** Every service, including those across entities. */
  public Map<String, FeatureService> allServices() {
    return allServices;
  }

  /** The first entity's name. */
  public String entityName() {
    return primary.name();
  }

  /** The first entity's key prefix. */
  public String keyPrefix() {
    return primary.keyPrefix();
  }

  /** The first entity's id rule. */
  public String idPattern() {
    return primary.idPattern().pattern();
  }

  public long batchTtlSeconds() {
    return batchTtlSeconds;
  }

  public long streamTtlSeconds() {
    return streamTtlSeconds;
  }

  /** This entity's features, in registry order. */
  public Collection<FeatureDefinition> features() {
    return features.values();
  }

  public List<String> featureNames() {
    return featureNames;
  }

  public List<FeatureDefinition> features(FeatureSource source) {
    List<FeatureDefinition> out = new ArrayList<>();
    for (FeatureDefinition f : features.values()) {
      if (f.source() == source) {
        out.add(f);
      }
    }
    return out;
  }

  public Optional<FeatureDefinition> feature(String name) {
    return Optional.ofNullable(features.get(name));
  }

  /** The services a single-entity read can serve: every member a feature of this entity. */
  public Map<String, FeatureService> services() {
    return services;
  }

  public FeatureService service(String name) {
    FeatureService service = services.get(name);
    if (service == null) {
      throw new InvalidInputException("unknown feature service '" + name + "'; allowed: "
          + String.join(", ", services.keySet()));
    }
    return service;
  }

  /**
   * The definitions of the named features, in the order asked for.
   *
   * @throws UnknownFeatureException naming every unknown one and listing the allowed ones
   * @throws InvalidInputException for an empty list or a name given twice
   */
  public List<FeatureDefinition> resolve(List<String> names) {
    if (names.isEmpty()) {
      throw new InvalidInputException("no features requested; allowed: " + String.join(", ", featureNames));
    }
    List<FeatureDefinition> out = new ArrayList<>(names.size());
    List<String> unknown = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String name : names) {
      FeatureDefinition f = features.get(name);
      if (f == null) {
        unknown.add(name);
      } else if (!seen.add(name)) {
        throw new InvalidInputException("feature '" + name + "' is requested twice");
      } else {
        out.add(f);
      }
    }
    if (!unknown.isEmpty()) {
      throw new UnknownFeatureException("unknown feature" + (unknown.size() > 1 ? "s" : ""), unknown, featureNames);
    }
    return out;
  }

  /**
   * Checks an entity id against the registry's id rule, so that no id can reach a key
   * outside this entity's prefix or carry pattern characters into a SCAN.
   */
  public String requireValidEntityId(String entityId) {
    if (entityId == null || entityId.isEmpty()) {
      throw new InvalidInputException("entity id is empty");
    }
    if (entityId.length() > MAX_ENTITY_ID_LENGTH || !primary.idPattern().matcher(entityId).matches()) {
      String shown = entityId.length() > 40 ? entityId.substring(0, 40) + "…" : entityId;
      throw new InvalidInputException("malformed " + primary.name() + " id '" + shown + "': must match "
          + idPattern() + " (at most " + MAX_ENTITY_ID_LENGTH + " characters)");
    }
    return entityId;
  }

  public boolean isValidEntityId(String entityId) {
    return entityId != null && !entityId.isEmpty() && entityId.length() <= MAX_ENTITY_ID_LENGTH
        && primary.idPattern().matcher(entityId).matches();
  }

  /** The Redis key of an entity's hash; validates the id first. */
  public String keyOf(String entityId) {
    return primary.keyPrefix() + requireValidEntityId(entityId);
  }

  /** The entity id of a key under this prefix. */
  public String entityIdOf(String key) {
    if (!key.startsWith(primary.keyPrefix())) {
      throw new IllegalArgumentException("key '" + key + "' is not under prefix '" + primary.keyPrefix() + "'");
    }
    return key.substring(primary.keyPrefix().length());
  }

  /** A SCAN MATCH pattern for every key under the prefix, with glob characters escaped. */
  public String scanPattern() {
    return primary.keyPrefix().replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*";
  }

  private static long requirePositive(String what, long seconds) {
    if (seconds <= 0) {
      throw new IllegalArgumentException(what + " must be > 0 seconds, not " + seconds);
    }
    return seconds;
  }
}
