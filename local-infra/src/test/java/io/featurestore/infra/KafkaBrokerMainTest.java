package io.featurestore.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.infra.KafkaBrokerMain.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaBrokerMainTest {

  @Test
  void defaults() {
    Settings settings = Settings.parse(new String[0], Map.of());

    assertThat(settings.port()).isEqualTo(9092);
    assertThat(settings.controllerPort()).isEqualTo(9093);
    assertThat(settings.dataDir()).isEqualTo(Path.of("data/kafka").toAbsolutePath());
    assertThat(settings.topics()).isEmpty();
    assertThat(settings.partitions()).isEqualTo(3);
  }

  @Test
  void optionsBeatEnvironment() {
    Map<String, String> env = Map.of("KAFKA_PORT", "19092", "KAFKA_CONTROLLER_PORT", "19093",
        "KAFKA_DATA_DIR", "/var/kafka", "FS_TOPIC_PARTITIONS", "6");

    Settings fromEnv = Settings.parse(new String[0], env);
    Settings fromArgs = Settings.parse(new String[] {
        "--port", "29092", "--controller-port=29093", "--topics", "events.login, events.transaction,,events.dlq",
        "--partitions", "2", "--group-join-delay-ms", "3000"}, env);

    assertThat(fromEnv).isEqualTo(new Settings(19092, 19093, Path.of("/var/kafka"), List.of(), 6, 0, Optional.empty(), 0));
    assertThat(fromArgs).isEqualTo(new Settings(29092, 29093, Path.of("/var/kafka"),
        List.of("events.login", "events.transaction", "events.dlq"), 2, 0, Optional.empty(), 3000));
  }

  @Test
  void rejectsBadInput() {
    assertThatThrownBy(() -> Settings.parse(new String[] {"--port", "x"}, Map.of()))
        .hasMessageContaining("port must be a number");
    assertThatThrownBy(() -> Settings.parse(new String[] {"--partitions"}, Map.of()))
        .hasMessageContaining("--partitions needs a value");
    assertThatThrownBy(() -> Settings.parse(new String[] {"--bogus", "1"}, Map.of()))
        .hasMessageContaining("unknown option --bogus");
    assertThatThrownBy(() -> Settings.parse(new String[] {"--port", "9093"}, Map.of()))
        .hasMessageContaining("must differ");
  }

  @Test
  void saslListenerTakesItsPasswordOnlyFromTheEnvironment() {
    Settings settings = Settings.parse(new String[] {"--sasl-port", "19094", "--sasl-user", "fs"},
        Map.of("KAFKA_SASL_PASSWORD", "pw-1"));
    assertThat(settings.saslPort()).isEqualTo(19094);
    assertThat(settings.saslUser()).contains(new KafkaBroker.SaslUser("fs", "pw-1"));
    assertThat(settings.toString()).doesNotContain("pw-1");
    assertThat(Settings.parse(new String[0], Map.of("KAFKA_SASL_PORT", "19094", "KAFKA_SASL_PASSWORD", "p"))
        .saslUser()).contains(new KafkaBroker.SaslUser("feature-store", "p"));
    assertThatThrownBy(() -> Settings.parse(new String[] {"--sasl-port", "19094"}, Map.of()))
        .hasMessageContaining("KAFKA_SASL_PASSWORD");
    assertThatThrownBy(() -> Settings.parse(new String[] {"--sasl-port", "9092"}, Map.of("KAFKA_SASL_PASSWORD", "p")))
        .hasMessageContaining("SASL port must differ");
  }
}
