package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.producer.ProducerConfig;
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
}
