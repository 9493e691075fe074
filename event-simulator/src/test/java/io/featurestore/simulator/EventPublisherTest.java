package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.cli.KafkaSecurity;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class EventPublisherTest {

  @Test
  void shouldLetAStreamWaitOutABrokerRestartButFailAOneShotSendSoon() {
    assertThat(EventPublisher.producerConfig("b:9092", EventPublisher.Patience.STREAM))
        .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000)
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    assertThat(EventPublisher.producerConfig("b:9092", EventPublisher.Patience.ONE_SHOT))
        .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
  }

  @Test
  void shouldAddTheSecuritySettingsAndKeepTheRestOfTheProducersConfig() {
    String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"pw\";";
    var config = EventPublisher.producerConfig("b:9092", KafkaSecurity.saslPlaintext("PLAIN", jaas),
        EventPublisher.Patience.STREAM);
    assertThat(config).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT")
        .containsEntry(SaslConfigs.SASL_MECHANISM, "PLAIN")
        .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, new Password(jaas))
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    assertThat(config.toString()).doesNotContain("pw");
    assertThat(EventPublisher.producerConfig("b:9092", EventPublisher.Patience.STREAM))
        .doesNotContainKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
  }
}
