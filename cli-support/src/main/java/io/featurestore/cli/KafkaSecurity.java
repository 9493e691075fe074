package io.featurestore.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * How a program's Kafka clients authenticate and encrypt: Kafka's {@code security.protocol},
 * {@code sasl.mechanism}, {@code sasl.jaas.config} and the SSL truststore, validated together
 * by {@link KafkaOptions#security()}. The JAAS config and the truststore password are Kafka's
 * own {@link Password}, whose {@code toString} is {@code [hidden]}: they are handed to the
 * clients as such, so neither this record nor a map of client properties prints them, and
 * Kafka's config logging shows {@code [hidden]} too.
 *
 * @param protocol           {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
 * @param saslMechanism      e.g. {@code PLAIN}, {@code SCRAM-SHA-512}; present exactly when the protocol is SASL_*
 * @param saslJaasConfig     the client's JAAS login module line; present exactly when the protocol is SASL_*
 * @param truststoreLocation a truststore for a broker certificate that the JVM's default one does not trust (SSL protocols only)
 * @param truststorePassword its password, if it has one
 * @param truststoreType     {@code JKS}, {@code PKCS12} or {@code PEM}; Kafka's default (JKS) when absent
 */
public record KafkaSecurity(String protocol, Optional<String> saslMechanism, Optional<Password> saslJaasConfig,
    Optional<Path> truststoreLocation, Optional<Password> truststorePassword, Optional<String> truststoreType) {

  public static final String PLAINTEXT = "PLAINTEXT";
  public static final String SSL = "SSL";
  public static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
  public static final String SASL_SSL = "SASL_SSL";
  /** The protocols Kafka clients speak, in the order their help lists them. */
  public static final Set<String> PROTOCOLS = Set.of(PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL);

  /** No authentication, no TLS: Kafka's default, and what a local broker speaks. */
  public static final KafkaSecurity NONE = new KafkaSecurity(PLAINTEXT, Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty());

  public KafkaSecurity {
    protocol = protocol.trim().toUpperCase(Locale.ROOT);
  }

  /** SASL over plain TCP with a JAAS login line, e.g. for a local broker's SASL/PLAIN listener. */
  public static KafkaSecurity saslPlaintext(String mechanism, String jaasConfig) {
    return new KafkaSecurity(SASL_PLAINTEXT, Optional.of(mechanism), Optional.of(new Password(jaasConfig)),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  public boolean usesSasl() {
    return protocol.startsWith("SASL_");
  }

  public boolean usesTls() {
    return protocol.equals(SSL) || protocol.equals(SASL_SSL);
  }

  /**
   * The settings to add to any Kafka client's configuration (producer, consumer, admin, Kafka
   * Streams, which passes them on to its own clients). Empty for {@link #NONE}, so a local
   * broker's clients are configured exactly as before.
   */
  public Map<String, Object> clientProperties() {
    Map<String, Object> props = new LinkedHashMap<>();
    if (protocol.equals(PLAINTEXT)) {
      return props;
    }
    props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    saslMechanism.ifPresent(m -> props.put(SaslConfigs.SASL_MECHANISM, m));
    saslJaasConfig.ifPresent(j -> props.put(SaslConfigs.SASL_JAAS_CONFIG, j));
    truststoreLocation.ifPresent(l -> props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, l.toString()));
    truststorePassword.ifPresent(p -> props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, p));
    truststoreType.ifPresent(t -> props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, t));
    return props;
  }

  /** {@code protocol SASL_SSL, mechanism PLAIN}: what a log line or an error may say about it. */
  public String describe() {
    StringBuilder text = new StringBuilder("protocol ").append(protocol);
    saslMechanism.ifPresent(m -> text.append(", mechanism ").append(m));
    truststoreLocation.ifPresent(l -> text.append(", truststore ").append(l));
    return text.toString();
  }

  /**
   * The broker's refusal in {@code failure}'s causes, if any: an {@link AuthenticationException}
   * (wrong credentials, a TLS handshake that failed) or an {@link AuthorizationException} (no ACL
   * for what was asked). Kafka clients do not retry these, and neither should a program: it
   * cannot get better without a change of settings.
   */
  public static Optional<RuntimeException> refusal(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
        return Optional.of((RuntimeException) t);
      }
    }
    return Optional.empty();
  }

  /**
   * One line on a {@link #refusal}, naming the settings to check and never their secret values:
   * {@code Kafka at H:P refused to authenticate this client (protocol SASL_SSL, mechanism PLAIN):
   * Authentication failed: Invalid username or password; check KAFKA_SASL_JAAS_CONFIG …}.
   */
  public String refusedBy(String bootstrapServers, RuntimeException refusal) {
    String reason = refusal.getMessage();
    Throwable root = refusal;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != refusal && root.getMessage() != null && (reason == null || !reason.contains(root.getMessage()))) {
      reason = (reason == null ? "" : reason + ": ") + root.getMessage();
    }
    String check;
    if (refusal instanceof AuthorizationException) {
      check = "the principal of KAFKA_SASL_JAAS_CONFIG (--kafka-sasl-jaas-config) lacks an ACL for this";
    } else if (usesSasl() && !(refusal instanceof org.apache.kafka.common.errors.SslAuthenticationException)) {
      check = "check the credentials in KAFKA_SASL_JAAS_CONFIG (--kafka-sasl-jaas-config, not shown) and "
          + "KAFKA_SASL_MECHANISM";
    } else {
      check = "check KAFKA_SECURITY_PROTOCOL and the truststore, KAFKA_SSL_TRUSTSTORE_LOCATION "
          + "(--kafka-ssl-truststore-location)";
    }
    return "Kafka at " + bootstrapServers + (refusal instanceof AuthorizationException ? " denied this client ("
        : " refused to authenticate this client (") + describe() + "): " + reason + "; " + check;
  }

  @Override
  public String toString() {
    return "KafkaSecurity[" + describe() + saslJaasConfig.map(j -> ", JAAS config [hidden]").orElse("")
        + truststorePassword.map(p -> ", truststore password [hidden]").orElse("") + "]";
  }
}
