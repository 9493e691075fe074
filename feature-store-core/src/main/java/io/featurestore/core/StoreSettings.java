package io.featurestore.core;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The settings every module shares. Each is an environment variable of the same name in
 * every module (docker-compose and the local stack use these names), and a flag of every
 * command; the programs' command lines parse them into this record.
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

  /**
   * A Redis URL fit for logs and messages: everything before the last {@code @} of its authority
   * (user and password) replaced by {@code ***}. Works on the text, so a URL too malformed to
   * parse does not leak its password either.
   */
  public static String redactedUrl(String redisUrl) {
    int scheme = redisUrl.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int at = redisUrl.lastIndexOf('@');
    return at < start ? redisUrl : redisUrl.substring(0, start) + "***" + redisUrl.substring(at);
  }

  /** Loads the registry and applies this deployment's prefix and TTL overrides. */
  public FeatureRegistry loadRegistry() {
    FeatureRegistry registry = registryFile.map(FeatureRegistry::load).orElseGet(FeatureRegistry::bundled);
    return registry.withOverrides(
        keyPrefix.orElse(registry.keyPrefix()),
        batchTtlSeconds.orElse(registry.batchTtlSeconds()),
        streamTtlSeconds.orElse(registry.streamTtlSeconds()));
  }
}
