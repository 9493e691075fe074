package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.cli.Cli;
import io.featurestore.core.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServingConfigTest {
  @Test
  void shouldUseDefaultsThatWorkLocally() {
    ServingConfig config = ServingConfig.fromEnv(Map.of());
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.maxBatch()).isEqualTo(1000);
    assertThat(config.threads()).isEqualTo(32);
    assertThat(config.apiKeys()).isEmpty();
    assertThat(config.authEnabled()).isFalse();
    assertThat(config.redisWaitSeconds()).isEqualTo(30);
    assertThat(config.store().redis().url()).isEqualTo("redis://localhost:6379");
  }

  @Test
  void shouldReadEveryVariable() {
    ServingConfig config = ServingConfig.fromEnv(Map.of(
        "SERVING_HOST", "127.0.0.1", "SERVING_PORT", "9090", "SERVING_MAX_BATCH", "250", "SERVING_THREADS", "16",
        "SERVING_API_KEYS", " key-one , key-two,,key-one ", "SERVING_REDIS_WAIT_SECONDS", "0",
        "REDIS_URL", "redis://redis:6379", "FS_KEY_PREFIX", "fs:test:"));
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.maxBatch()).isEqualTo(250);
    assertThat(config.threads()).isEqualTo(16);
    assertThat(config.apiKeys()).containsExactly("key-one", "key-two");
    assertThat(config.authEnabled()).isTrue();
    assertThat(config.redisWaitSeconds()).isZero();
    assertThat(config.store().redis().url()).isEqualTo("redis://redis:6379");
    assertThat(config.store().loadRegistry().keyPrefix()).isEqualTo("fs:test:");
  }

  @Test
  void shouldTreatBlankKeysAsAuthenticationOff() {
    assertThat(ServingConfig.fromEnv(Map.of("SERVING_API_KEYS", " , ")).authEnabled()).isFalse();
  }

  @Test
  void shouldNeverPrintTheKeys() {
    ServingConfig config = ServingConfig.fromEnv(Map.of("SERVING_API_KEYS", "s3cret-key"));
    assertThat(config.toString()).doesNotContain("s3cret-key").contains("apiKeys=1 configured");
  }

  @Test
  void shouldRejectValuesThatAreNotNumbersOrOutOfRange() {
    assertThatThrownBy(() -> ServingConfig.fromEnv(Map.of("SERVING_PORT", "http")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --port (SERVING_PORT): 'http' is not a whole number");
    assertThatThrownBy(() -> ServingConfig.fromEnv(Map.of("SERVING_PORT", "70000")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --port (SERVING_PORT): must be a port number 0-65535, not 70000");
    assertThatThrownBy(() -> ServingConfig.fromEnv(Map.of("SERVING_MAX_BATCH", "0")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--max-batch (SERVING_MAX_BATCH): must be >= 1");
    assertThatThrownBy(() -> ServingConfig.fromArgs(new String[] {"--threads", "2"}, Map.of()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--threads (SERVING_THREADS): must be >= 4");
    assertThatThrownBy(() -> ServingConfig.fromEnv(Map.of("FS_STREAM_TTL_SECONDS", "-5")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --stream-ttl-seconds (FS_STREAM_TTL_SECONDS): must be > 0, not -5");
  }

  @Test
  void shouldLetFlagsOverrideTheEnvironment() {
    ServingConfig config = ServingConfig.fromArgs(new String[] {"--port", "7070", "--redis-url=redis://other:6380",
        "--max-batch", "10"}, Map.of("SERVING_PORT", "9090", "REDIS_URL", "redis://redis:6379", "SERVING_THREADS", "8"));
    assertThat(config.port()).isEqualTo(7070);
    assertThat(config.maxBatch()).isEqualTo(10);
    assertThat(config.threads()).isEqualTo(8);
    assertThat(config.store().redis().url()).isEqualTo("redis://other:6380");
  }

  @Test
  void shouldRejectUnknownFlagsAndFlagsWithoutAValue() {
    assertThatThrownBy(() -> ServingConfig.fromArgs(new String[] {"--prot", "1"}, Map.of()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("Unknown options: '--prot'");
    assertThatThrownBy(() -> ServingConfig.fromArgs(new String[] {"--port"}, Map.of()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("Missing required parameter for option '--port'");
  }

  @Test
  void shouldTakeTheRegistryAndTheTtlsAsFlags() {
    ServingConfig config = ServingConfig.fromArgs(new String[] {"--key-prefix", "p:", "--batch-ttl-seconds", "60",
        "--registry", "/r.yaml"}, Map.of("FS_KEY_PREFIX", "env:"));
    assertThat(config.store().keyPrefix()).contains("p:");
    assertThat(config.store().batchTtlSeconds()).contains(60L);
    assertThat(config.store().registryFile()).contains(java.nio.file.Path.of("/r.yaml"));
  }

  @Test
  void shouldListEverySettingWithItsFlagVariableAndDefaultInHelp() {
    String help = Cli.commandLine(new ServingConfig.Flags(), Map.of()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(ServingConfig.ENVIRONMENT).hasSize(16)
        .allSatisfy(v -> assertThat(help).containsPattern("(?m)^  " + v + " +--[a-z-]+ "));
    assertThat(help).containsPattern("(?m)^  SERVING_PORT +--port +8080$")
        .containsPattern("(?m)^  SERVING_API_KEYS +--api-keys +\\(not set\\)$").contains("Endpoints:");
  }

  @Test
  void shouldRedactCredentialsFromTheRedisUrl() {
    assertThat(io.featurestore.core.RedisConnection.redactedUrl("redis://:hunter2@redis:6379/0")).isEqualTo("redis://***@redis:6379/0");
    assertThat(io.featurestore.core.RedisConnection.redactedUrl("redis://localhost:6379")).isEqualTo("redis://localhost:6379");
  }
}
