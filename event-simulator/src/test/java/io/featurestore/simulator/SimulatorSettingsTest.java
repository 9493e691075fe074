package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorSettingsTest {
  @Test
  void shouldDefaultToTheLocalBroker() {
    assertThat(SimulatorSettings.of(Map.of(), null, null).bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(SimulatorSettings.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", " "), null, null).bootstrapServers())
        .isEqualTo("localhost:9092");
  }

  @Test
  void shouldLetTheFlagBeatTheEnvironment() {
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "FS_REGISTRY_FILE", "/env.yaml");
    assertThat(SimulatorSettings.of(env, null, null).bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(SimulatorSettings.of(env, null, null).store().registryFile()).contains(Path.of("/env.yaml"));

    SimulatorSettings flags = SimulatorSettings.of(env, "127.0.0.1:19092", Path.of("/flag.yaml"));
    assertThat(flags.bootstrapServers()).isEqualTo("127.0.0.1:19092");
    assertThat(flags.store().registryFile()).contains(Path.of("/flag.yaml"));
  }
}
