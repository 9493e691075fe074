package io.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StoreSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

class CliTest {
  @Command(name = "tool", mixinStandardHelpOptions = true, version = "tool 1", subcommands = Sub.class)
  static final class Tool implements Runnable {
    @Mixin
    StoreOptions store = new StoreOptions();

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--workers", defaultValue = "${env:TOOL_WORKERS:-4}", description = "Worker threads.")
    int workers;

    @Option(names = "--flush-ms", converter = Numbers.Positive.class, defaultValue = "${env:TOOL_FLUSH_MS:-100}",
        description = "Flush interval.")
    long flushMs;

    @Option(names = "--path", defaultValue = "${env:PATH}", description = "Never read from this process.")
    Optional<String> path;

    @Option(names = "--count", defaultValue = "3", description = "Not a setting: no variable.")
    int count;

    @Override
    public void run() {}
  }

  @Command(name = "sub", mixinStandardHelpOptions = true)
  static final class Sub implements Runnable {
    @ParentCommand
    Tool tool;

    @Override
    public void run() {}
  }

  record Result(int code, String out, String err) {}

  private static Result execute(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Cli.commandLine(new Tool(), env);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return new Result(commandLine.execute(args), out.toString(), err.toString());
  }

  @Test
  void shouldDefaultEverySettingToItsFallback() {
    Tool tool = Cli.parse(new Tool(), Map.of());
    assertThat(tool.store.settings()).isEqualTo(new StoreSettings(io.featurestore.core.RedisConnection.url("redis://localhost:6379"), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty()));
    assertThat(tool.kafka.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(tool.workers).isEqualTo(4);
    assertThat(tool.flushMs).isEqualTo(100);
  }

  @Test
  void shouldIgnoreTheProcessEnvironment() {
    assertThat(Cli.parse(new Tool(), Map.of()).path).isEmpty();
  }

  @Test
  void shouldTakeEachDefaultFromTheGivenEnvironment() {
    Map<String, String> env = Map.of("REDIS_URL", "redis://r:1", "FS_REGISTRY_FILE", "/r.yaml", "FS_KEY_PREFIX", "t:",
        "FS_BATCH_TTL_SECONDS", "60", "FS_STREAM_TTL_SECONDS", " 5 ", "KAFKA_BOOTSTRAP_SERVERS", "k:9",
        "TOOL_WORKERS", "8");
    Tool tool = Cli.parse(new Tool(), env);
    assertThat(tool.store.settings()).isEqualTo(new StoreSettings(io.featurestore.core.RedisConnection.url("redis://r:1"), Optional.of(Path.of("/r.yaml")),
        Optional.of("t:"), Optional.of(60L), Optional.of(5L)));
    assertThat(tool.kafka.bootstrapServers()).isEqualTo("k:9");
    assertThat(tool.workers).isEqualTo(8);
  }

  @Test
  void shouldApplyThePrefixAndTtlsToTheRegistry() {
    FeatureRegistry registry = Cli.parse(new Tool(), Map.of("FS_KEY_PREFIX", "test:u:", "FS_BATCH_TTL_SECONDS", "60"),
        "--stream-ttl-seconds", "5").store.settings().loadRegistry();
    assertThat(registry.keyPrefix()).isEqualTo("test:u:");
    assertThat(registry.batchTtlSeconds()).isEqualTo(60);
    assertThat(registry.streamTtlSeconds()).isEqualTo(5);
  }

  @Test
  void shouldTreatABlankVariableAsUnset() {
    Tool tool = Cli.parse(new Tool(), Map.of("REDIS_URL", " ", "FS_KEY_PREFIX", "", "TOOL_WORKERS", " "));
    assertThat(tool.store.settings().redis().url()).isEqualTo("redis://localhost:6379");
    assertThat(tool.store.settings().keyPrefix()).isEmpty();
    assertThat(tool.workers).isEqualTo(4);
  }

  @Test
  void shouldRefuseAnEmptyKeyPrefixFlag() {
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of(), "--key-prefix", "")).isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --key-prefix (FS_KEY_PREFIX): must not be empty: reset and stats would reach every key");
  }

  @Test
  void shouldTakeAValueAsItIsEvenWithDollarSigns() {
    assertThat(Cli.parse(new Tool(), Map.of("REDIS_URL", "redis://:pa$$${env:X}w@r:1")).store.redisUrl)
        .isEqualTo("redis://:pa$$${env:X}w@r:1");
  }

  @Test
  void shouldLetAFlagWinOverItsVariable() {
    Tool tool = Cli.parse(new Tool(), Map.of("REDIS_URL", "redis://env:1", "TOOL_WORKERS", "8"),
        "--redis-url", "redis://flag:2", "--workers=2");
    assertThat(tool.store.settings().redis().url()).isEqualTo("redis://flag:2");
    assertThat(tool.workers).isEqualTo(2);
  }

  @Test
  void shouldAcceptTheSharedFlagsBeforeOrAfterASubcommand() {
    Tool before = new Tool();
    Cli.commandLine(before, Map.of()).parseArgs("--registry", "/a.yaml", "sub");
    assertThat(before.store.settings().registryFile()).contains(Path.of("/a.yaml"));
    Tool after = new Tool();
    Cli.commandLine(after, Map.of()).parseArgs("sub", "--registry", "/b.yaml", "--bootstrap-servers", "k:1");
    assertThat(after.store.settings().registryFile()).contains(Path.of("/b.yaml"));
    assertThat(after.kafka.bootstrapServers()).isEqualTo("k:1");
  }

  @Test
  void shouldNameTheFlagAndTheVariableOfABadValue() {
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of("FS_STREAM_TTL_SECONDS", "0")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --stream-ttl-seconds (FS_STREAM_TTL_SECONDS): must be > 0, not 0");
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of(), "--workers", "many"))
        .hasMessage("Invalid value for --workers (TOOL_WORKERS): 'many' is not a whole number");
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of("TOOL_FLUSH_MS", "-1")))
        .hasMessage("Invalid value for --flush-ms (TOOL_FLUSH_MS): must be > 0, not -1");
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of(), "--count", "x"))
        .hasMessageContaining("'x' is not a whole number").hasMessageNotContaining("(TOOL");
  }

  @Test
  void shouldReportABadValueInOneLineWithExitCode2() {
    Result result = execute(Map.of("TOOL_WORKERS", "99999999999"));
    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("Invalid value for --workers (TOOL_WORKERS): '99999999999' is too large"
        + System.lineSeparator());
    assertThat(result.out()).isEmpty();
  }

  @Test
  void shouldParseTheRedisConnectionWithoutEverShowingThePassword() {
    Tool tool = Cli.parse(new Tool(), Map.of("REDIS_CLUSTER_NODES", "a:1, b:2,", "REDIS_USERNAME", "app",
        "REDIS_PASSWORD", "hunter2", "REDIS_TLS", "true"));
    io.featurestore.core.RedisConnection redis = tool.store.settings().redis();
    assertThat(redis.clusterNodes()).containsExactly("a:1", "b:2");
    assertThat(redis.usesTls()).isTrue();
    assertThat(redis.password()).contains("hunter2");
    assertThat(redis.toString()).isEqualTo("cluster a:1,b:2 as app (TLS)");
    assertThatThrownBy(() -> Cli.parse(new Tool(), Map.of("REDIS_CLUSTER_NODES", "a:1,b")).store.settings())
        .hasMessageContaining("REDIS_CLUSTER_NODES: 'b' is not host:port");
    assertThat(execute(Map.of("REDIS_TLS", "yes")).err()).startsWith("Invalid value for --redis-tls (REDIS_TLS)");
  }

  @Test
  void shouldListEveryVariableWithItsFlagAndDefaultInHelp() {
    Result result = execute(Map.of("REDIS_URL", "redis://:secret@r:1", "REDIS_PASSWORD", "hunter2"), "--help");
    assertThat(result.code()).isZero();
    assertThat(result.out())
        .containsPattern("(?m)^  REDIS_URL +--redis-url +redis://localhost:6379$")
        .containsPattern("(?m)^  KAFKA_BOOTSTRAP_SERVERS +--bootstrap-servers +localhost:9092$")
        .containsPattern("(?m)^  FS_REGISTRY_FILE +--registry +\\(not set\\)$")
        .containsPattern("(?m)^  TOOL_FLUSH_MS +--flush-ms +100$")
        .containsPattern("(?m)^  REDIS_PASSWORD +--redis-password +\\(not set\\)$")
        .doesNotContain("secret").doesNotContain("hunter2");
    for (String variable : Cli.environment(new Tool())) {
      assertThat(result.out()).containsPattern("(?m)^  " + variable + " +--");
    }
    assertThat(execute(Map.of(), "sub", "--help").out())
        .containsPattern("(?m)^  FS_KEY_PREFIX +--key-prefix +\\(not set\\)$");
  }

  @Test
  void shouldDeriveTheEnvironmentFromTheOptions() {
    assertThat(Cli.environment(new Tool())).containsExactly("FS_BATCH_TTL_SECONDS", "FS_KEY_PREFIX",
        "FS_REGISTRY_FILE", "FS_STREAM_TTL_SECONDS", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_JAAS_CONFIG",
        "KAFKA_SASL_MECHANISM", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SSL_TRUSTSTORE_LOCATION",
        "KAFKA_SSL_TRUSTSTORE_PASSWORD", "KAFKA_SSL_TRUSTSTORE_TYPE", "PATH", "REDIS_CLUSTER_NODES", "REDIS_PASSWORD",
        "REDIS_TLS", "REDIS_TLS_CA_FILE", "REDIS_URL", "REDIS_USERNAME", "TOOL_FLUSH_MS", "TOOL_WORKERS");
  }

  @Test
  void shouldRunTheBodyOnlyWhenNoHelpIsAskedAndTheSettingsAreGood() {
    AtomicInteger runs = new AtomicInteger();
    assertThat(Cli.run(new Tool(), Map.of(), new String[] {"--version"}, tool -> tool.workers,
        workers -> runs.incrementAndGet())).isZero();
    assertThat(Cli.run(new Tool(), Map.of("TOOL_WORKERS", "x"), new String[0], tool -> tool.workers,
        workers -> runs.incrementAndGet())).isEqualTo(2);
    assertThat(Cli.run(new Tool(), Map.of(), new String[0], tool -> {
      throw Cli.invalidValue("--workers", "TOOL_WORKERS", "must be even");
    }, workers -> runs.incrementAndGet())).isEqualTo(2);
    assertThat(runs).hasValue(0);
    assertThat(Cli.run(new Tool(), Map.of("TOOL_WORKERS", "7"), new String[0], tool -> tool.workers, workers -> workers))
        .isEqualTo(7);
    assertThat(Cli.run(new Tool(), Map.of(), new String[0], tool -> tool.workers, workers -> {
      throw new IllegalStateException("broken");
    })).isEqualTo(1);
  }
}
