package io.featurestore.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code --bootstrap-servers} ({@code KAFKA_BOOTSTRAP_SERVERS}): a {@code @Mixin} of the root
 * command; its subcommands inherit it.
 */
public final class KafkaOptions {
  private static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
  private static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + BOOTSTRAP_SERVERS + ":-" + DEFAULT_BOOTSTRAP_SERVERS + "}",
      description = "Kafka brokers.")
  String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;

  public String bootstrapServers() {
    return bootstrapServers;
  }
}
