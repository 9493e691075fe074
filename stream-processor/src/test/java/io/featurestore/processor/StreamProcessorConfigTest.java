package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.cli.Cli;
import io.featurestore.cli.KafkaSecurity;
import io.featurestore.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StreamProcessorConfigTest {

  @Test
  void shouldDefaultToALocalSetup() {
    StreamProcessorConfig c = StreamProcessorConfig.fromEnv(Map.of());
    assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.store().redis().url()).isEqualTo("redis://localhost:6379");
    assertThat(c.exactlyOnce()).isFalse();
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.metricsPort()).isEqualTo(9464);
    assertThat(c.topologySettings().registry().streamTtlSeconds()).isEqualTo(300);
  }

  @Test
  void shouldReadEveryVariableItDeclares() {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", "k:1");
    env.put("FS_PROCESSOR_APPLICATION_ID", "app");
    env.put("FS_PROCESSOR_STATE_DIR", "/state");
    env.put("FS_PROCESSING_GUARANTEE", "exactly_once_v2");
    env.put("FS_PROCESSOR_THREADS", "2");
    env.put("FS_SINK_FLUSH_MS", "50");
    env.put("FS_COMMIT_INTERVAL_MS", "700");
    env.put("FS_SINK_RETRY_SECONDS", "9");
    env.put("FS_PROCESSOR_METRICS_PORT", "0");
    env.put("FS_HEARTBEAT_TTL_SECONDS", "7");
    env.put("FS_MAX_FUTURE_SKEW_SECONDS", "13");
    env.put("FS_PROCESSOR_STALL_SECONDS", "14");
    env.put("FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS", "1800");
    env.put("REDIS_URL", "redis://r:2");
    env.put("FS_KEY_PREFIX", "p:");
    env.put("FS_STREAM_TTL_SECONDS", "11");
    env.put("FS_BATCH_TTL_SECONDS", "12");
    assertThat(StreamProcessorConfig.ENVIRONMENT).containsAll(env.keySet()).contains("FS_REGISTRY_FILE");

    StreamProcessorConfig c = StreamProcessorConfig.fromEnv(env);
    assertThat(c).isEqualTo(new StreamProcessorConfig("k:1", KafkaSecurity.NONE, "app", Path.of("/state"), true, 2, Duration.ofMillis(50),
        Duration.ofMillis(700), Duration.ofSeconds(9), 0, Duration.ofSeconds(7), Duration.ofSeconds(13),
        Duration.ofSeconds(14), 0, Duration.ofMinutes(30), c.store()));
    assertThat(c.store().redis().url()).isEqualTo("redis://r:2");
    assertThat(c.topologySettings().registry().keyPrefix()).isEqualTo("p:");
    assertThat(c.topologySettings().registry().streamTtlSeconds()).isEqualTo(11);

    Properties p = c.streamsProperties();
    assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("app");
    assertThat(p.get(StreamsConfig.consumerPrefix("max.poll.interval.ms"))).isEqualTo(1_800_000);
    assertThat((Long) p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isLessThan((Integer) p.get(StreamsConfig.producerPrefix("transaction.timeout.ms")));
  }

  @Test
  void shouldRejectBadValuesNamingTheFlagAndTheVariable() {
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_PROCESSING_GUARANTEE", "exactly_once")))
        .isInstanceOf(InvalidInputException.class).hasMessage("Invalid value for --processing-guarantee "
            + "(FS_PROCESSING_GUARANTEE): must be at_least_once or exactly_once_v2, not 'exactly_once'");
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_SINK_FLUSH_MS", "0")))
        .hasMessage("Invalid value for --sink-flush-ms (FS_SINK_FLUSH_MS): must be > 0, not 0");
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_REPARTITION_PARTITIONS", "-1")))
        .hasMessage("Invalid value for --repartition-partitions (FS_REPARTITION_PARTITIONS): must be >= 0, not -1");
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_PROCESSOR_THREADS", "two")))
        .hasMessage("Invalid value for --threads (FS_PROCESSOR_THREADS): 'two' is not a whole number");
  }

  @Test
  void shouldTakeEverySettingAsAFlagThatWinsOverTheEnvironment() {
    StreamProcessorConfig c = Cli.parse(new StreamProcessorConfig.Flags(), Map.of("FS_SINK_FLUSH_MS", "50",
        "KAFKA_BOOTSTRAP_SERVERS", "k:1"), "--sink-flush-ms", "70", "--processing-guarantee=EXACTLY_ONCE_V2",
        "--redis-url", "redis://r:3", "--stream-ttl-seconds", "9").config();
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(70));
    assertThat(c.exactlyOnce()).isTrue();
    assertThat(c.bootstrapServers()).isEqualTo("k:1");
    assertThat(c.store().redis().url()).isEqualTo("redis://r:3");
    assertThat(c.topologySettings().registry().streamTtlSeconds()).isEqualTo(9);
  }

  @Test
  void shouldRefuseAMaxPollIntervalShorterThanHalfAMinute() {
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS", "5")))
        .isInstanceOf(io.featurestore.core.InvalidInputException.class)
        .hasMessage("Invalid value for --max-poll-interval-seconds (FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS): must be >= 30, not 5");
  }

  @Test
  void shouldListEverySettingWithItsFlagVariableAndDefaultInHelp() {
    String help = Cli.commandLine(new StreamProcessorConfig.Flags(), Map.of()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(StreamProcessorConfig.ENVIRONMENT).hasSize(30)
        .allSatisfy(v -> assertThat(help).containsPattern("(?m)^  " + v + " +--[a-z-]+ "));
    assertThat(help).containsPattern("(?m)^  FS_SINK_FLUSH_MS +--sink-flush-ms +100$")
        .containsPattern("(?m)^  KAFKA_BOOTSTRAP_SERVERS +--bootstrap-servers +localhost:9092$");
  }

  private static final String SECRET = "pr0cess0r-Secret";
  private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"fs\" password=\"" + SECRET + "\";";

  @Test
  void shouldPassTheSecuritySettingsToKafkaStreamsAndTheStartupChecksWithoutShowingTheSecret() {
    Map<String, String> env = Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN",
        "KAFKA_SASL_JAAS_CONFIG", JAAS);
    StreamProcessorConfig c = StreamProcessorConfig.fromEnv(env);
    Properties p = c.streamsProperties();
    assertThat(p.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).isEqualTo("SASL_SSL");
    assertThat(p.get(SaslConfigs.SASL_MECHANISM)).isEqualTo("PLAIN");
    assertThat(p.get(SaslConfigs.SASL_JAAS_CONFIG)).isEqualTo(new Password(JAAS));
    // What Kafka Streams gives each of its clients: the settings reach them all.
    StreamsConfig streams = new StreamsConfig(p);
    assertThat(streams.getMainConsumerConfigs("g", "c", 0)).containsEntry(SaslConfigs.SASL_JAAS_CONFIG, new Password(JAAS));
    assertThat(streams.getRestoreConsumerConfigs("c")).containsEntry(SaslConfigs.SASL_MECHANISM, "PLAIN");
    assertThat(streams.getProducerConfigs("c")).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    assertThat(streams.getAdminConfigs("c")).containsEntry(SaslConfigs.SASL_JAAS_CONFIG, new Password(JAAS));
    assertThat(StartupChecks.adminProperties(c.bootstrapServers(), c.kafkaSecurity()))
        .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, new Password(JAAS))
        .containsEntry(AdminClientConfig.CLIENT_ID_CONFIG, "feature-store-stream-processor-startup-checks");
    assertThat(c.toString()).doesNotContain(SECRET);
    assertThat(p.toString()).doesNotContain(SECRET);

    String help = Cli.commandLine(new StreamProcessorConfig.Flags(), env).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(help).doesNotContain(SECRET)
        .containsPattern("(?m)^  KAFKA_SASL_JAAS_CONFIG +--kafka-sasl-jaas-config +\\(not set\\)$");
  }

  @Test
  void shouldRefuseASaslProtocolWithoutCredentials() {
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_SASL_MECHANISM", "PLAIN"))).isInstanceOf(InvalidInputException.class)
        .hasMessage("--kafka-sasl-jaas-config (KAFKA_SASL_JAAS_CONFIG) is required with --kafka-security-protocol "
            + "(KAFKA_SECURITY_PROTOCOL) SASL_SSL");
  }
}
