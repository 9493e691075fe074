package io.featurestore.infra.junit;

import io.featurestore.infra.InfraMode;
import io.featurestore.infra.KafkaBroker;
import io.featurestore.infra.KafkaTopics;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Injects a {@link KafkaEndpoint} for a real single-node Kafka broker, started once per test
 * run and stopped when the run ends: an in-process KRaft {@link KafkaBroker} on free loopback
 * ports, or an {@code apache/kafka} container when {@code FS_TEST_INFRA} selects Docker.
 * Tests share the broker, so each test uses its own topic names. Neither broker creates topics
 * on first use: create them with {@link #createTopics}.
 */
public final class KafkaExtension extends RunScopedResolver<KafkaEndpoint> {
  static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

  public KafkaExtension() {
    super(KafkaEndpoint.class, KafkaExtension::startBroker);
  }

  public static KafkaEndpoint endpoint(ExtensionContext context) {
    return shared(context, KafkaEndpoint.class, KafkaExtension::startBroker);
  }

  /** Creates the topics with {@code partitions} partitions each, unless they exist, and waits for their leaders. */
  public static void createTopics(KafkaEndpoint endpoint, int partitions, String... names) {
    KafkaTopics.create(endpoint.bootstrapServers(), partitions, names);
  }

  private static Started<KafkaEndpoint> startBroker() {
    if (InfraMode.selected() == InfraMode.DOCKER) {
      @SuppressWarnings("resource")
      KafkaContainer container = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
          .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
      container.start();
      return new Started<>(new KafkaEndpoint(container.getBootstrapServers()), container::stop);
    }
    KafkaBroker broker = KafkaBroker.start();
    return new Started<>(new KafkaEndpoint(broker.bootstrapServers()), broker::close);
  }
}
