package io.featurestore.core;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The settings every module shares, read from the environment (same names in
 * docker-compose and the local stack); CLIs let flags override them.
 *
 * @param redisUrl         {@code REDIS_URL}, default {@code redis://localhost:6379}
 * @param registryFile     {@code FS_REGISTRY_FILE}; empty means the bundled registry
 * @param keyPrefix        {@code FS_KEY_PREFIX}; empty means the registry's
 * @param batchTtlSeconds  {@code FS_BATCH_TTL_SECONDS}; empty means the registry's
 * @param streamTtlSeconds {@code FS_STREAM_TTL_SECONDS}; empty means the registry's
 */
public record StoreSettings(String redisUrl, Optional<Path> registryFile, Optional<String> keyPrefix,
    Optional<Long> batchTtlSeconds, Optional<Long> streamTtlSeconds) {

  public static final String REDIS_URL = "REDIS_URL";
  public static final String REGISTRY_FILE = "FS_REGISTRY_FILE";
  public static final String KEY_PREFIX = "FS_KEY_PREFIX";
  public static final String BATCH_TTL_SECONDS = "FS_BATCH_TTL_SECONDS";
  public static final String STREAM_TTL_SECONDS = "FS_STREAM_TTL_SECONDS";
  public static final String DEFAULT_REDIS_URL = "redis://localhost:6379";
  /** Every environment variable these settings read. */
  public static final java.util.Set<String> ENVIRONMENT =
      java.util.Set.of(REDIS_URL, REGISTRY_FILE, KEY_PREFIX, BATCH_TTL_SECONDS, STREAM_TTL_SECONDS);

  public static StoreSettings fromEnv(Map<String, String> env) {
    return new StoreSettings(
        nonBlank(env.get(REDIS_URL)).orElse(DEFAULT_REDIS_URL),
        nonBlank(env.get(REGISTRY_FILE)).map(Path::of),
        nonBlank(env.get(KEY_PREFIX)),
        nonBlank(env.get(BATCH_TTL_SECONDS)).map(v -> seconds(BATCH_TTL_SECONDS, v)),
        nonBlank(env.get(STREAM_TTL_SECONDS)).map(v -> seconds(STREAM_TTL_SECONDS, v)));
  }

  /** Loads the registry and applies this deployment's prefix and TTL overrides. */
  public FeatureRegistry loadRegistry() {
    FeatureRegistry registry = registryFile.map(FeatureRegistry::load).orElseGet(FeatureRegistry::bundled);
    return registry.withOverrides(
        keyPrefix.orElse(registry.keyPrefix()),
        batchTtlSeconds.orElse(registry.batchTtlSeconds()),
        streamTtlSeconds.orElse(registry.streamTtlSeconds()));
  }

  static long seconds(String name, String value) {
    try {
      long seconds = Long.parseLong(value.trim());
      if (seconds > 0) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidInputException(name + " must be a whole number of seconds > 0, not '" + value + "'");
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }
}
