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
import java.util.regex.Pattern;

/**
 * The declarative description of one entity's features: key layout, id rule, each
 * feature's type and source, TTL defaults and named feature services. Every module reads
 * it, and it is the only place that builds Redis keys. Immutable and thread-safe.
 */
public final class FeatureRegistry {
  /** The registry bundled with the library; {@code FS_REGISTRY_FILE} points to another. */
  public static final String BUNDLED_RESOURCE = "/feature-registry.yaml";
  static final int MAX_ENTITY_ID_LENGTH = 128;

  private final String entityName;
  private final String keyPrefix;
  private final Pattern idPattern;
  private final long batchTtlSeconds;
  private final long streamTtlSeconds;
  private final Map<String, FeatureDefinition> features;
  private final Map<String, FeatureService> services;
  private final List<String> featureNames;

  FeatureRegistry(String entityName, String keyPrefix, Pattern idPattern, long batchTtlSeconds,
      long streamTtlSeconds, Collection<FeatureDefinition> features, Collection<FeatureService> services) {
    this.entityName = Objects.requireNonNull(entityName);
    this.keyPrefix = requireValidPrefix(keyPrefix);
    this.idPattern = Objects.requireNonNull(idPattern);
    this.batchTtlSeconds = requirePositive("batch TTL", batchTtlSeconds);
    this.streamTtlSeconds = requirePositive("stream TTL", streamTtlSeconds);
    Map<String, FeatureDefinition> byName = new LinkedHashMap<>();
    features.forEach(f -> byName.put(f.name(), f));
    this.features = java.util.Collections.unmodifiableMap(byName);
    Map<String, FeatureService> servicesByName = new LinkedHashMap<>();
    services.forEach(s -> servicesByName.put(s.name(), s));
    this.services = java.util.Collections.unmodifiableMap(servicesByName);
    this.featureNames = List.copyOf(byName.keySet());
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

  /** This registry with another key prefix and TTLs (the deployment's overrides). */
  public FeatureRegistry withOverrides(String keyPrefix, long batchTtlSeconds, long streamTtlSeconds) {
    return new FeatureRegistry(entityName, keyPrefix, idPattern, batchTtlSeconds, streamTtlSeconds,
        features.values(), services.values());
  }

  public String entityName() {
    return entityName;
  }

  public String keyPrefix() {
    return keyPrefix;
  }

  public String idPattern() {
    return idPattern.pattern();
  }

  public long batchTtlSeconds() {
    return batchTtlSeconds;
  }

  public long streamTtlSeconds() {
    return streamTtlSeconds;
  }

  /** All features in registry order. */
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
    if (entityId.length() > MAX_ENTITY_ID_LENGTH || !idPattern.matcher(entityId).matches()) {
      String shown = entityId.length() > 40 ? entityId.substring(0, 40) + "…" : entityId;
      throw new InvalidInputException("malformed " + entityName + " id '" + shown + "': must match "
          + idPattern.pattern() + " (at most " + MAX_ENTITY_ID_LENGTH + " characters)");
    }
    return entityId;
  }

  public boolean isValidEntityId(String entityId) {
    return entityId != null && !entityId.isEmpty() && entityId.length() <= MAX_ENTITY_ID_LENGTH
        && idPattern.matcher(entityId).matches();
  }

  /** The Redis key of an entity's hash; validates the id first. */
  public String keyOf(String entityId) {
    return keyPrefix + requireValidEntityId(entityId);
  }

  /** The entity id of a key under this prefix. */
  public String entityIdOf(String key) {
    if (!key.startsWith(keyPrefix)) {
      throw new IllegalArgumentException("key '" + key + "' is not under prefix '" + keyPrefix + "'");
    }
    return key.substring(keyPrefix.length());
  }

  /** A SCAN MATCH pattern for every key under the prefix, with glob characters escaped. */
  public String scanPattern() {
    return keyPrefix.replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*";
  }

  private static String requireValidPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("key prefix must not be empty: reset would reach every key");
    }
    return prefix;
  }

  private static long requirePositive(String what, long seconds) {
    if (seconds <= 0) {
      throw new IllegalArgumentException(what + " must be > 0 seconds, not " + seconds);
    }
    return seconds;
  }
}
