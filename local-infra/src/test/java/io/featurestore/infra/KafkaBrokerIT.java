package io.featurestore.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaExtension.class)
class KafkaBrokerIT {
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(30);

  @Test
  void keyedRecordsRoundTripThroughAThreePartitionTopic(KafkaEndpoint kafka) throws Exception {
    String topic = "it.roundtrip." + UUID.randomUUID();
    KafkaExtension.createTopics(kafka, 3, topic);
    KafkaExtension.createTopics(kafka, 3, topic);

    Set<Integer> partitions = new HashSet<>();
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, "user-" + (i % 10), "event-" + i)));
      }
      for (Future<RecordMetadata> metadata : sent) {
        partitions.add(metadata.get().partition());
      }
    }
    assertThat(partitions).hasSize(3);

    List<ConsumerRecord<String, String>> records = consume(kafka.bootstrapServers(), topic, 100);
    assertThat(records).extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrderElementsOf(range("event-", 100));
    for (int user = 0; user < 10; user++) {
      String key = "user-" + user;
      List<ConsumerRecord<String, String>> ofUser = records.stream().filter(r -> r.key().equals(key)).toList();
      assertThat(ofUser).extracting(ConsumerRecord::partition).containsOnly(ofUser.get(0).partition());
      assertThat(ofUser).extracting(ConsumerRecord::offset).isSorted();
    }
  }

  @Test
  void shouldCountTheRecordsOfServedTopicsAndRefuseMissingOnes(KafkaEndpoint kafka) throws Exception {
    String topic = "it.served." + UUID.randomUUID();
    assertThatThrownBy(() -> KafkaTopics.awaitServed(kafka.bootstrapServers(), Duration.ofSeconds(2), topic))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(topic);
    assertThatThrownBy(() -> KafkaTopics.awaitServed("127.0.0.1:" + FreePorts.next(), Duration.ofSeconds(2)))
        .as("no broker").isInstanceOf(IllegalStateException.class);

    KafkaExtension.createTopics(kafka, 3, topic);
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)).get();
      }
    }
    assertThat(KafkaTopics.awaitServed(kafka.bootstrapServers(), Duration.ofSeconds(10), topic)).isEqualTo(5);
    assertThat(KafkaTopics.awaitServed(kafka.bootstrapServers(), Duration.ofSeconds(10))).isZero();
  }

  @Test
  void aRestartedBrokerStillHoldsItsRecords(@TempDir Path dataDir) throws Exception {
    String topic = "it.restart";
    try (KafkaBroker broker = KafkaBroker.start(KafkaBroker.Options.defaults().withDataDir(dataDir))) {
      broker.createTopics(3, topic);
      try (KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
        for (int i = 0; i < 20; i++) {
          producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)).get();
        }
        assertThatThrownBy(() -> producer.partitionsFor("it.never.created"))
            .as("automatic topic creation is off")
            .isInstanceOf(TimeoutException.class);
      }
    }

    try (KafkaBroker broker = KafkaBroker.start(KafkaBroker.Options.defaults().withDataDir(dataDir))) {
      broker.createTopics(3, topic);
      List<ConsumerRecord<String, String>> records = consume(broker.bootstrapServers(), topic, 20);
      assertThat(records).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(range("value-", 20));
    }
  }

  @Test
  void shouldTakeSaslPlainLoginsOnASecondListenerAndRefuseAWrongPassword() throws Exception {
    String topic = "it.sasl";
    String password = "pw-" + UUID.randomUUID();
    try (KafkaBroker broker = KafkaBroker.start(KafkaBroker.Options.defaults().withSaslPlain("fs-it", password))) {
      broker.createTopics(1, topic);
      assertThat(broker.saslBootstrapServers()).isNotEqualTo(broker.bootstrapServers());
      try (KafkaProducer<String, String> producer = producer(broker.saslBootstrapServers(),
          sasl(KafkaBroker.plainLoginLine("fs-it", password)))) {
        producer.send(new ProducerRecord<>(topic, "k", "over SASL")).get();
      }
      assertThat(consume(broker.bootstrapServers(), topic, 1)).extracting(ConsumerRecord::value).containsExactly("over SASL");

      try (KafkaProducer<String, String> producer = producer(broker.saslBootstrapServers(),
          sasl(KafkaBroker.plainLoginLine("fs-it", "wrong")))) {
        assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get())
            .hasCauseInstanceOf(SaslAuthenticationException.class);
      }
    }
    try (KafkaBroker plain = KafkaBroker.start()) {
      assertThatThrownBy(plain::saslBootstrapServers).isInstanceOf(IllegalStateException.class);
    }
  }

  private static Map<String, Object> sasl(String jaas) {
    return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT", SaslConfigs.SASL_MECHANISM, "PLAIN",
        SaslConfigs.SASL_JAAS_CONFIG, jaas);
  }

  private static KafkaProducer<String, String> producer(String bootstrapServers) {
    return producer(bootstrapServers, Map.of());
  }

  private static KafkaProducer<String, String> producer(String bootstrapServers, Map<String, Object> security) {
    Map<String, Object> config = new java.util.HashMap<>(security);
    config.putAll(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  /** Reads the topic from the beginning in a fresh consumer group until {@code expected} records arrived. */
  private static List<ConsumerRecord<String, String>> consume(String bootstrapServers, String topic, int expected) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      Await.value(expected + " records read from " + topic, CONSUME_TIMEOUT, () -> {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return records.size();
      }, n -> n >= expected);
    }
    assertThat(records).as("records read from %s", topic).hasSize(expected);
    return records;
  }

  private static List<String> range(String prefix, int count) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add(prefix + i);
    }
    return values;
  }
}
