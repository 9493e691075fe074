package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.cli.Cli;
import io.featurestore.cli.KafkaSecurity;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorSettingsTest {
  private static SimulatorSettings settings(Map<String, String> env, String... args) {
    EventSimulatorCli cli = new EventSimulatorCli(InputStream.nullInputStream());
    Cli.commandLine(cli, env).parseArgs(args);
    return cli.settings();
  }

  @Test
  void shouldDefaultToTheLocalBroker() {
    assertThat(settings(Map.of(), "run").bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", " "), "run").bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(settings(Map.of(), "run").registryFile()).isEmpty();
  }

  @Test
  void shouldLetTheFlagBeatTheEnvironment() {
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "FS_REGISTRY_FILE", "/env.yaml");
    assertThat(settings(env, "run").bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(settings(env, "run").registryFile()).contains(Path.of("/env.yaml"));

    SimulatorSettings flags = settings(env, "run", "--bootstrap-servers", "127.0.0.1:19092", "--registry", "/flag.yaml");
    assertThat(flags.bootstrapServers()).isEqualTo("127.0.0.1:19092");
    assertThat(flags.registryFile()).contains(Path.of("/flag.yaml"));
  }

  @Test
  void shouldTakeTheSharedFlagsOnEitherSideOfASubcommand() {
    assertThat(settings(Map.of(), "send", "--bootstrap-servers", "a:1", "login", "--user", "u1").bootstrapServers())
        .isEqualTo("a:1");
    assertThat(settings(Map.of(), "send", "login", "--user", "u1", "--bootstrap-servers", "b:2").bootstrapServers())
        .isEqualTo("b:2");
  }

  @Test
  void shouldTakeTheKafkaSecuritySettingsFromTheEnvironment() {
    String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";";
    Map<String, String> env = Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "PLAIN",
        "KAFKA_SASL_JAAS_CONFIG", jaas);
    assertThat(settings(env, "run").kafkaSecurity()).isEqualTo(KafkaSecurity.saslPlaintext("PLAIN", jaas));
    assertThat(settings(Map.of(), "run").kafkaSecurity()).isEqualTo(KafkaSecurity.NONE);
  }
}
