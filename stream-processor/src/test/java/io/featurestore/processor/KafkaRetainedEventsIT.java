package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rebuild's reading on a real broker (3 partitions): read a slice at a time, it hands every
 * record since its start time exactly once, in offset order per partition, and reads on past
 * its end to the records that live processing left to it.
 */
@ExtendWith(KafkaExtension.class)
class KafkaRetainedEventsIT {
  private static final int PARTITIONS = 3;

  @Test
  void shouldHandEveryRecordSinceItsStartOnceSliceBySliceAndReadOnToAnExtendedEnd(KafkaEndpoint kafka)
      throws Exception {
    String topic = "retained-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaExtension.createTopics(kafka, PARTITIONS, topic);
    long now = System.currentTimeMillis();
    long from = now - 3_600_000;
    Properties client = new Properties();
    client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<TopicPartition> partitions = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      partitions.add(new TopicPartition(topic, i));
    }
    Map<TopicPartition, List<Long>> expected = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < 600; i++) {
        boolean old = i < 60; // the first 20 of each partition are older than the reading's start
        send(producer, topic, i % PARTITIONS, old ? from - 60_000 : now, old ? null : expected);
      }
      KafkaRetainedEvents retained = new KafkaRetainedEvents(client, "unused");
      List<ConsumerRecord<byte[], byte[]>> handed = new ArrayList<>();
      try (RetainedEvents.Reading reading = retained.open(partitions, from)) {
        // Records produced after the reading opened, as live processing receives them: those of
        // partition 1 are left to the reading, so it must read on to the last of them.
        RecordMetadata last = null;
        for (int i = 0; i < 30; i++) {
          last = send(producer, topic, 1, now, expected);
        }
        reading.extendTo(partitions.get(1), last.offset() + 1);
        while (!reading.readSome(1, handed::add)) { // a poll per slice
          assertThat(handed.size()).as("slices end once everything is read").isLessThanOrEqualTo(570);
        }
        assertThat(reading.read()).isEqualTo(handed.size());
      }
      for (TopicPartition tp : partitions) {
        List<Long> offsets = handed.stream().filter(r -> r.partition() == tp.partition()).map(ConsumerRecord::offset)
            .toList();
        assertThat(offsets).as("partition %d: in offset order, each once", tp.partition()).isSorted()
            .doesNotHaveDuplicates();
        assertThat(offsets).as("partition %d: every record since the start", tp.partition())
            .containsAll(expected.get(tp));
        assertThat(offsets).as("partition %d: none older than the start", tp.partition())
            .allMatch(o -> o >= expected.get(tp).get(0));
      }
    }
  }

  @Test
  void shouldGoOnFromTheOldestRecordLeftWhenRetentionDeletesWhatItWasAboutToRead(KafkaEndpoint kafka)
      throws Exception {
    String topic = "retained-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaExtension.createTopics(kafka, PARTITIONS, topic);
    long now = System.currentTimeMillis();
    Properties client = new Properties();
    client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<TopicPartition> partitions = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      partitions.add(new TopicPartition(topic, i));
    }
    Map<TopicPartition, List<Long>> expected = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer()); Admin admin = Admin.create(client)) {
      for (int i = 0; i < 300; i++) {
        send(producer, topic, i % PARTITIONS, now, expected);
      }
      List<ConsumerRecord<byte[], byte[]>> handed = new ArrayList<>();
      try (RetainedEvents.Reading reading = new KafkaRetainedEvents(client, "unused").open(partitions, now - 60_000)) {
        // As retention does: partition 0's first 40 records go before the reading gets to them.
        admin.deleteRecords(Map.of(partitions.get(0), RecordsToDelete.beforeOffset(40))).all().get();
        expected.get(partitions.get(0)).removeIf(offset -> offset < 40);
        while (!reading.readSome(1_000_000_000L, handed::add)) {
          assertThat(handed.size()).isLessThanOrEqualTo(300);
        }
      }
      for (TopicPartition tp : partitions) {
        assertThat(handed.stream().filter(r -> r.partition() == tp.partition()).map(ConsumerRecord::offset).toList())
            .as("partition %d: what is left, from the oldest on", tp.partition())
            .containsExactlyElementsOf(expected.get(tp));
      }
    }
  }

  /** Sends one record to a partition; adds its offset to {@code expected} unless that is null. */
  private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, long timestamp,
      Map<TopicPartition, List<Long>> expected) throws Exception {
    RecordMetadata sent = producer.send(new ProducerRecord<>(topic, partition, timestamp,
        "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))).get();
    if (expected != null) {
      expected.computeIfAbsent(new TopicPartition(topic, partition), tp -> new ArrayList<>()).add(sent.offset());
    }
    return sent;
  }
}
