package io.featurestore.cli;

import io.featurestore.core.RedisConnection;
import io.featurestore.core.StoreSettings;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
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
      defaultValue = "${env:" + RedisConnection.REDIS_URL + ":-" + RedisConnection.DEFAULT_URL + "}",
      description = "Redis >= 7.4: redis://[user:password@]host:port[/db], rediss:// for TLS.")
  String redisUrl = RedisConnection.DEFAULT_URL;

  @Option(names = "--redis-cluster-nodes", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + RedisConnection.CLUSTER_NODES + "}",
      description = "Seed nodes of a Redis Cluster; when set, the cluster is used instead of --redis-url.")
  Optional<String> clusterNodes = Optional.empty();

  @Option(names = "--redis-username", paramLabel = "USER", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + RedisConnection.USERNAME + "}", description = "Redis ACL user.")
  Optional<String> username = Optional.empty();

  @Option(names = "--redis-password", paramLabel = "PASSWORD", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + RedisConnection.PASSWORD + "}",
      description = "Redis password (prefer the variable: a flag shows in the process list).")
  Optional<String> password = Optional.empty();

  @Option(names = "--redis-tls", paramLabel = "true|false", arity = "1", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + RedisConnection.TLS + ":-false}",
      description = "TLS to Redis (a rediss:// URL turns it on by itself).")
  boolean tls;

  @Option(names = "--redis-tls-ca-file", paramLabel = "PEM", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + RedisConnection.TLS_CA_FILE + "}",
      description = "CA certificates (PEM) to trust for Redis' TLS certificate (default: the JVM's).")
  Optional<Path> caFile = Optional.empty();

  @Mixin
  RegistryOption registry = new RegistryOption();

  @Option(names = "--key-prefix", paramLabel = "PREFIX", scope = ScopeType.INHERIT, converter = KeyPrefix.class,
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

  /** A key prefix as given; an empty one would make an entity's SCAN (reset, stats) reach every key. */
  static final class KeyPrefix implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (text.isEmpty()) {
        throw new CommandLine.TypeConversionException("must not be empty: reset and stats would reach every key");
      }
      return text;
    }
  }

  public StoreSettings settings() {
    RedisConnection redis = new RedisConnection(redisUrl, clusterNodes.map(RedisConnection::nodeList).orElse(java.util.List.of()),
        username, password, tls, caFile);
    return new StoreSettings(redis, registry.file(), keyPrefix, batchTtlSeconds, streamTtlSeconds);
  }
}
