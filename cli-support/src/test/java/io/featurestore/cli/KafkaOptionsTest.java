package io.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class KafkaOptionsTest {
  private static final String SECRET = "s3cr3t-Pa55";
  private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"fs\" password=\"" + SECRET + "\";";

  @Command(name = "tool", mixinStandardHelpOptions = true)
  static final class Tool implements Runnable {
    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Override
    public void run() {}
  }

  @TempDir
  Path dir;

  private static KafkaSecurity security(Map<String, String> env, String... args) {
    return Cli.parse(new Tool(), env, args).kafka.security();
  }

  private static Map<String, String> sasl(String protocol) {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_SECURITY_PROTOCOL", protocol);
    env.put("KAFKA_SASL_MECHANISM", "PLAIN");
    env.put("KAFKA_SASL_JAAS_CONFIG", JAAS);
    return env;
  }

  @Test
  void shouldConfigureNothingForAPlaintextBroker() {
    assertThat(security(Map.of())).isEqualTo(KafkaSecurity.NONE);
    assertThat(KafkaSecurity.NONE.clientProperties()).isEmpty();
  }

  @Test
  void shouldPassSaslSettingsToTheClientsWithTheSecretsAsKafkaPasswords() throws IOException {
    Path truststore = Files.writeString(dir.resolve("truststore.p12"), "x");
    Map<String, String> env = sasl("sasl_ssl");
    env.put("KAFKA_SASL_MECHANISM", "scram-sha-512");
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString());
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", SECRET + "-store");
    env.put("KAFKA_SSL_TRUSTSTORE_TYPE", "pkcs12");
    Map<String, Object> props = security(env).clientProperties();

    assertThat(props).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
        .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
        .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, new Password(JAAS))
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toString())
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, new Password(SECRET + "-store"))
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    assertThat(props.toString()).doesNotContain(SECRET);
    assertThat(security(env).toString()).doesNotContain(SECRET).contains("SASL_SSL", "SCRAM-SHA-512", "[hidden]");
  }

  @Test
  void shouldLetAFlagWinOverItsVariable() {
    KafkaSecurity security = security(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL"), "--kafka-security-protocol",
        "SASL_PLAINTEXT", "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-jaas-config", JAAS);
    assertThat(security).isEqualTo(KafkaSecurity.saslPlaintext("PLAIN", JAAS));
  }

  @Test
  void shouldRefuseAnUnknownProtocolNamingTheFlagAndTheVariable() {
    assertThatThrownBy(() -> security(Map.of("KAFKA_SECURITY_PROTOCOL", "TLS")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Invalid value for --kafka-security-protocol (KAFKA_SECURITY_PROTOCOL): must be PLAINTEXT, SSL, "
            + "SASL_PLAINTEXT or SASL_SSL, not 'TLS'");
  }

  @Test
  void shouldRequireAMechanismAndAJaasConfigWithASaslProtocol() {
    Map<String, String> noMechanism = sasl("SASL_SSL");
    noMechanism.remove("KAFKA_SASL_MECHANISM");
    assertThatThrownBy(() -> security(noMechanism)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--kafka-sasl-mechanism (KAFKA_SASL_MECHANISM) is required with --kafka-security-protocol "
            + "(KAFKA_SECURITY_PROTOCOL) SASL_SSL, e.g. PLAIN or SCRAM-SHA-512");
    Map<String, String> noJaas = sasl("SASL_PLAINTEXT");
    noJaas.put("KAFKA_SASL_JAAS_CONFIG", " ");
    assertThatThrownBy(() -> security(noJaas))
        .hasMessage("--kafka-sasl-jaas-config (KAFKA_SASL_JAAS_CONFIG) is required with --kafka-security-protocol "
            + "(KAFKA_SECURITY_PROTOCOL) SASL_PLAINTEXT");
  }

  @Test
  void shouldRefuseSaslSettingsWithoutASaslProtocol() {
    Map<String, String> env = sasl("SASL_SSL");
    env.remove("KAFKA_SECURITY_PROTOCOL");
    assertThatThrownBy(() -> security(env)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--kafka-sasl-mechanism (KAFKA_SASL_MECHANISM) is set, but is not used with "
            + "--kafka-security-protocol (KAFKA_SECURITY_PROTOCOL) PLAINTEXT; use SASL_SSL or SASL_PLAINTEXT");
    env.remove("KAFKA_SASL_MECHANISM");
    assertThatThrownBy(() -> security(env)).hasMessageStartingWith("--kafka-sasl-jaas-config (KAFKA_SASL_JAAS_CONFIG) "
        + "is set, but is not used").hasMessageNotContaining(SECRET);
  }

  @Test
  void shouldRefuseAMalformedJaasConfigWithoutRepeatingIt() {
    Map<String, String> env = sasl("SASL_SSL");
    env.put("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\""
        + SECRET + "\"");
    assertThatThrownBy(() -> security(env)).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Invalid value for --kafka-sasl-jaas-config (KAFKA_SASL_JAAS_CONFIG): not a JAAS login line")
        .hasMessageNotContaining(SECRET);
    env.put("KAFKA_SASL_JAAS_CONFIG", JAAS + " " + JAAS);
    assertThatThrownBy(() -> security(env)).hasMessageStartingWith("Invalid value for --kafka-sasl-jaas-config "
        + "(KAFKA_SASL_JAAS_CONFIG): not a JAAS login line for one client login module").hasMessageNotContaining(SECRET);
  }

  @Test
  void shouldRefuseATruststoreWithoutTlsOrThatCannotBeRead() {
    assertThatThrownBy(() -> security(Map.of("KAFKA_SSL_TRUSTSTORE_LOCATION", "/ca.jks")))
        .hasMessage("--kafka-ssl-truststore-location (KAFKA_SSL_TRUSTSTORE_LOCATION) is set, but is not used with "
            + "--kafka-security-protocol (KAFKA_SECURITY_PROTOCOL) PLAINTEXT; use SSL or SASL_SSL");
    assertThatThrownBy(() -> security(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_TRUSTSTORE_LOCATION",
        dir.resolve("none.jks").toString())))
        .hasMessage("Invalid value for --kafka-ssl-truststore-location (KAFKA_SSL_TRUSTSTORE_LOCATION): no readable file "
            + dir.resolve("none.jks").toAbsolutePath());
    assertThatThrownBy(() -> security(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_TRUSTSTORE_PASSWORD", SECRET)))
        .hasMessage("--kafka-ssl-truststore-password (KAFKA_SSL_TRUSTSTORE_PASSWORD) needs "
            + "--kafka-ssl-truststore-location (KAFKA_SSL_TRUSTSTORE_LOCATION)");
    assertThat(security(Map.of("KAFKA_SECURITY_PROTOCOL", "ssl")).clientProperties())
        .isEqualTo(Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL"));
  }

  @Test
  void shouldNeverShowASecretInHelp() {
    Map<String, String> env = sasl("SASL_SSL");
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", SECRET + "-store");
    StringWriter out = new StringWriter();
    CommandLine commandLine = Cli.commandLine(new Tool(), env);
    commandLine.setOut(new PrintWriter(out, true));
    assertThat(commandLine.execute("--help")).isZero();
    assertThat(out.toString()).doesNotContain(SECRET)
        .containsPattern("(?m)^  KAFKA_SASL_JAAS_CONFIG +--kafka-sasl-jaas-config +\\(not set\\)$")
        .containsPattern("(?m)^  KAFKA_SECURITY_PROTOCOL +--kafka-security-protocol +PLAINTEXT$");
    CommandLine showingDefaults = Cli.commandLine(new Tool(), env);
    showingDefaults.getCommandSpec().usageMessage().showDefaultValues(true);
    StringWriter all = new StringWriter();
    showingDefaults.setOut(new PrintWriter(all, true));
    showingDefaults.execute("--help");
    assertThat(all.toString()).as("even where a command shows defaults").doesNotContain(SECRET).contains("SASL_SSL");
  }

  @Test
  void shouldStopAProgramWithExitCode2OnABadCombination() {
    Map<String, String> env = sasl("SASL_SSL");
    env.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
    assertThat(Cli.run(new Tool(), env, new String[0], tool -> tool.kafka.security(), s -> 0)).isEqualTo(2);
    assertThatThrownBy(() -> security(env)).hasMessageNotContaining(SECRET);
  }
}
