package io.featurestore.core;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The settings every module shares. Each is an environment variable of the same name in
 * every module (docker-compose and the local stack use these names), and a flag of every
 * command; the programs' command lines parse them into this record.
 *
 * @param redis            where Redis is and how to reach it ({@code REDIS_URL}, {@code REDIS_CLUSTER_NODES}, …)
 * @param registryFile     {@code FS_REGISTRY_FILE}; empty means the bundled registry
 * @param keyPrefix        {@code FS_KEY_PREFIX}; empty means the registry's
 * @param batchTtlSeconds  {@code FS_BATCH_TTL_SECONDS}; empty means the registry's
 * @param streamTtlSeconds {@code FS_STREAM_TTL_SECONDS}; empty means the registry's
 */
public record StoreSettings(RedisConnection redis, Optional<Path> registryFile, Optional<String> keyPrefix,
    Optional<Long> batchTtlSeconds, Optional<Long> streamTtlSeconds) {

  public static final String REGISTRY_FILE = "FS_REGISTRY_FILE";
  public static final String KEY_PREFIX = "FS_KEY_PREFIX";
  public static final String BATCH_TTL_SECONDS = "FS_BATCH_TTL_SECONDS";
  public static final String STREAM_TTL_SECONDS = "FS_STREAM_TTL_SECONDS";

  /** Loads the registry and applies this deployment's prefix and TTL overrides. */
  public FeatureRegistry loadRegistry() {
    FeatureRegistry registry = registryFile.map(FeatureRegistry::load).orElseGet(FeatureRegistry::bundled);
    return registry.withOverrides(
        keyPrefix.orElse(registry.keyPrefix()),
        batchTtlSeconds.orElse(registry.batchTtlSeconds()),
        streamTtlSeconds.orElse(registry.streamTtlSeconds()));
  }
}
