package io.featurestore.cli;

import io.featurestore.core.StoreSettings;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The Redis data model's settings, shared by every program that uses the store: a
 * {@code @Mixin} of the root command (its subcommands inherit the flags), parsed into
 * {@link StoreSettings}.
 */
public final class StoreOptions {
  @Option(names = "--redis-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + StoreSettings.REDIS_URL + ":-" + StoreSettings.DEFAULT_REDIS_URL + "}",
      description = "Redis >= 7.4.")
  String redisUrl = StoreSettings.DEFAULT_REDIS_URL;

  @Mixin
  RegistryOption registry = new RegistryOption();

  @Option(names = "--key-prefix", paramLabel = "PREFIX", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + StoreSettings.KEY_PREFIX + "}",
      description = "Key prefix of the entity hashes (default: the registry's, fs:user:).")
  Optional<String> keyPrefix = Optional.empty();

  @Option(names = "--batch-ttl-seconds", paramLabel = "S", scope = ScopeType.INHERIT,
      converter = Numbers.Positive.class, defaultValue = "${env:" + StoreSettings.BATCH_TTL_SECONDS + "}",
      description = "Key-level TTL a batch load sets (default: the registry's, 86400).")
  Optional<Long> batchTtlSeconds = Optional.empty();

  @Option(names = "--stream-ttl-seconds", paramLabel = "S", scope = ScopeType.INHERIT,
      converter = Numbers.Positive.class, defaultValue = "${env:" + StoreSettings.STREAM_TTL_SECONDS + "}",
      description = "Per-field TTL of streaming features (default: the registry's, 300).")
  Optional<Long> streamTtlSeconds = Optional.empty();

  public StoreSettings settings() {
    return new StoreSettings(redisUrl, registry.file(), keyPrefix, batchTtlSeconds, streamTtlSeconds);
  }
}
