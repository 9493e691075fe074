package io.featurestore.cli;

import io.featurestore.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.types.Password;
import java.util.Map;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.JaasContext;
import picocli.CommandLine;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Where Kafka is and how to reach it: {@code --bootstrap-servers} ({@code KAFKA_BOOTSTRAP_SERVERS})
 * and the client security settings ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_*},
 * {@code KAFKA_SSL_TRUSTSTORE_*}), parsed into {@link KafkaSecurity}. A {@code @Mixin} of the
 * root command; its subcommands inherit it.
 *
 * <p>The JAAS config and the truststore password are secrets: their help shows no default,
 * and no message about them repeats their value.
 */
public final class KafkaOptions {
  private static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
  private static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  static final String SECURITY_PROTOCOL = "KAFKA_SECURITY_PROTOCOL";
  static final String SASL_MECHANISM = "KAFKA_SASL_MECHANISM";
  static final String SASL_JAAS_CONFIG = "KAFKA_SASL_JAAS_CONFIG";
  static final String TRUSTSTORE_LOCATION = "KAFKA_SSL_TRUSTSTORE_LOCATION";
  static final String TRUSTSTORE_PASSWORD = "KAFKA_SSL_TRUSTSTORE_PASSWORD";
  static final String TRUSTSTORE_TYPE = "KAFKA_SSL_TRUSTSTORE_TYPE";
  private static final String PROTOCOL_FLAG = "--kafka-security-protocol";
  private static final String MECHANISM_FLAG = "--kafka-sasl-mechanism";
  private static final String JAAS_FLAG = "--kafka-sasl-jaas-config";
  private static final String LOCATION_FLAG = "--kafka-ssl-truststore-location";
  private static final String PASSWORD_FLAG = "--kafka-ssl-truststore-password";
  private static final String TYPE_FLAG = "--kafka-ssl-truststore-type";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + BOOTSTRAP_SERVERS + ":-" + DEFAULT_BOOTSTRAP_SERVERS + "}",
      description = "Kafka brokers.")
  String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;

  @Option(names = PROTOCOL_FLAG, paramLabel = "PROTOCOL", scope = ScopeType.INHERIT, converter = Protocol.class,
      defaultValue = "${env:" + SECURITY_PROTOCOL + ":-" + KafkaSecurity.PLAINTEXT + "}",
      description = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (managed Kafka: usually SASL_SSL).")
  String protocol = KafkaSecurity.PLAINTEXT;

  @Option(names = MECHANISM_FLAG, paramLabel = "MECHANISM", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + SASL_MECHANISM + "}",
      description = "SASL mechanism, e.g. PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; required with SASL_*.")
  Optional<String> saslMechanism = Optional.empty();

  @Option(names = JAAS_FLAG, paramLabel = "JAAS", scope = ScopeType.INHERIT, showDefaultValue = Visibility.NEVER,
      defaultValue = "${env:" + SASL_JAAS_CONFIG + "}",
      description = "Secret. SASL login line, e.g. org.apache.kafka.common.security.plain.PlainLoginModule required "
          + "username=\"…\" password=\"…\"; required with SASL_*. Prefer the variable: a flag shows in ps.")
  Optional<String> saslJaasConfig = Optional.empty();

  @Option(names = LOCATION_FLAG, paramLabel = "FILE", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + TRUSTSTORE_LOCATION + "}",
      description = "Truststore with the CA of the brokers' certificates, when the JVM's default does not trust "
          + "them (SSL, SASL_SSL).")
  Optional<Path> truststoreLocation = Optional.empty();

  @Option(names = PASSWORD_FLAG, paramLabel = "PASSWORD", scope = ScopeType.INHERIT,
      showDefaultValue = Visibility.NEVER, defaultValue = "${env:" + TRUSTSTORE_PASSWORD + "}",
      description = "Secret. Password of the truststore, if it has one. Prefer the variable: a flag shows in ps.")
  Optional<String> truststorePassword = Optional.empty();

  @Option(names = TYPE_FLAG, paramLabel = "TYPE", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + TRUSTSTORE_TYPE + "}",
      description = "JKS, PKCS12 or PEM (default: Kafka's, JKS).")
  Optional<String> truststoreType = Optional.empty();

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * The security settings, checked together: a SASL protocol needs a mechanism and a JAAS
   * config, and those make no sense without one; a truststore needs an SSL protocol and must be
   * a readable file. A bad combination is an {@link InvalidInputException} in one line naming
   * the flags and variables, never a secret's value.
   */
  public KafkaSecurity security() {
    KafkaSecurity security = new KafkaSecurity(protocol, saslMechanism.map(KafkaOptions::upper),
        saslJaasConfig.map(Password::new), truststoreLocation, truststorePassword.map(Password::new),
        truststoreType.map(KafkaOptions::upper));
    String withProtocol = "with " + PROTOCOL_FLAG + " (" + SECURITY_PROTOCOL + ") " + security.protocol();
    if (security.usesSasl()) {
      if (security.saslMechanism().isEmpty()) {
        throw missing(MECHANISM_FLAG, SASL_MECHANISM, withProtocol + ", e.g. PLAIN or SCRAM-SHA-512");
      }
      if (security.saslJaasConfig().isEmpty()) {
        throw missing(JAAS_FLAG, SASL_JAAS_CONFIG, withProtocol);
      }
      if (!NAME.matcher(security.saslMechanism().get()).matches()) {
        throw Cli.invalidValue(MECHANISM_FLAG, SASL_MECHANISM, "'" + saslMechanism.get()
            + "' is not a SASL mechanism name (e.g. PLAIN, SCRAM-SHA-512)");
      }
      requireOneLoginModule(security.saslJaasConfig().get());
    } else {
      refuse(security.saslMechanism().isPresent(), MECHANISM_FLAG, SASL_MECHANISM, withProtocol, "SASL_SSL or SASL_PLAINTEXT");
      refuse(security.saslJaasConfig().isPresent(), JAAS_FLAG, SASL_JAAS_CONFIG, withProtocol, "SASL_SSL or SASL_PLAINTEXT");
    }
    if (security.usesTls()) {
      security.truststoreLocation().ifPresent(KafkaOptions::requireReadable);
      String needsLocation = "needs " + LOCATION_FLAG + " (" + TRUSTSTORE_LOCATION + ")";
      if (security.truststoreLocation().isEmpty() && security.truststorePassword().isPresent()) {
        throw new InvalidInputException(PASSWORD_FLAG + " (" + TRUSTSTORE_PASSWORD + ") " + needsLocation);
      }
      if (security.truststoreLocation().isEmpty() && security.truststoreType().isPresent()) {
        throw new InvalidInputException(TYPE_FLAG + " (" + TRUSTSTORE_TYPE + ") " + needsLocation);
      }
    } else {
      refuse(security.truststoreLocation().isPresent(), LOCATION_FLAG, TRUSTSTORE_LOCATION, withProtocol, "SSL or SASL_SSL");
      refuse(security.truststorePassword().isPresent(), PASSWORD_FLAG, TRUSTSTORE_PASSWORD, withProtocol, "SSL or SASL_SSL");
      refuse(security.truststoreType().isPresent(), TYPE_FLAG, TRUSTSTORE_TYPE, withProtocol, "SSL or SASL_SSL");
    }
    return security;
  }

  private static String upper(String value) {
    return value.toUpperCase(Locale.ROOT);
  }

  private static InvalidInputException missing(String flag, String variable, String when) {
    return new InvalidInputException(flag + " (" + variable + ") is required " + when);
  }

  private static void refuse(boolean given, String flag, String variable, String withProtocol, String needed) {
    if (given) {
      throw new InvalidInputException(flag + " (" + variable + ") is set, but is not used " + withProtocol
          + "; use " + needed);
    }
  }

  /**
   * Kafka's own parser (exactly one login module, not a forbidden one), so a malformed line fails
   * here, at start, and not in every client; Kafka's message is not passed on, as it may quote the line.
   */
  private static void requireOneLoginModule(Password jaasConfig) {
    try {
      JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG, jaasConfig));
      return;
    } catch (RuntimeException e) { // IllegalArgumentException, or KafkaException for an unreadable line
      throw Cli.invalidValue(JAAS_FLAG, SASL_JAAS_CONFIG, "not a JAAS login line for one client login module; expected e.g. org.apache.kafka.common.security.plain.PlainLoginModule required"
          + " username=\"…\" password=\"…\"; (value not shown)");
    }
  }

  private static void requireReadable(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw Cli.invalidValue(LOCATION_FLAG, TRUSTSTORE_LOCATION, "no readable file " + file.toAbsolutePath());
    }
  }

  /** A security protocol Kafka clients speak, in any case. */
  static final class Protocol implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String protocol = upper(value.trim());
      if (KafkaSecurity.PROTOCOLS.contains(protocol)) {
        return protocol;
      }
      throw new CommandLine.TypeConversionException("must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not '"
          + value + "'");
    }
  }
}
