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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rebuild's reading on a real broker (a topic of 3 partitions of its own per test): read a
 * slice at a time, it hands every record since its start time exactly once, in offset order per
 * partition, reads on past its end to the records that live processing left to it, and goes on
 * from the oldest record left when retention deletes what it was about to read.
 */
@ExtendWith(KafkaExtension.class)
class KafkaRetainedEventsIT {
  private static final int PARTITIONS = 3;

  private final long now = System.currentTimeMillis();
  private final List<TopicPartition> partitions = new ArrayList<>();
  /** The offsets a reading must hand, by partition. */
  private final Map<TopicPartition, List<Long>> expected = new HashMap<>();
  private final List<ConsumerRecord<byte[], byte[]>> handed = new ArrayList<>();
  private Properties client;
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaRetainedEvents retained;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    String topic = "retained-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaExtension.createTopics(kafka, PARTITIONS, topic);
    for (int i = 0; i < PARTITIONS; i++) {
      partitions.add(new TopicPartition(topic, i));
    }
    client = new Properties();
    client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    retained = new KafkaRetainedEvents(client, "unused");
  }

  @AfterEach
  void tearDown() {
    producer.close();
  }

  @Test
  void shouldHandEveryRecordSinceItsStartOnceSliceBySliceAndReadOnToAnExtendedEnd() throws Exception {
    long from = now - 3_600_000;
    for (int i = 0; i < 600; i++) {
      boolean old = i < 60; // the first 20 of each partition are older than the reading's start
      send(i % PARTITIONS, old ? from - 60_000 : now, !old);
    }
    try (RetainedEvents.Reading reading = retained.open(partitions, from)) {
      // Records produced after the reading opened, as live processing receives them: those of
      // partition 1 are left to the reading, so it must read on to the last of them.
      RecordMetadata last = null;
      for (int i = 0; i < 30; i++) {
        last = send(1, now, true);
      }
      reading.extendTo(partitions.get(1), last.offset() + 1);
      readAll(reading, 1); // a poll per slice
      assertThat(reading.read()).isEqualTo(handed.size());
    }
    for (TopicPartition tp : partitions) {
      List<Long> offsets = handedOffsets(tp);
      assertThat(offsets).as("partition %d: in offset order, each once", tp.partition()).isSorted()
          .doesNotHaveDuplicates();
      assertThat(offsets).as("partition %d: every record since the start", tp.partition())
          .containsAll(expected.get(tp));
      assertThat(offsets).as("partition %d: none older than the start", tp.partition())
          .allMatch(o -> o >= expected.get(tp).get(0));
    }
  }

  @Test
  void shouldGoOnFromTheOldestRecordLeftWhenRetentionDeletesWhatItWasAboutToRead() throws Exception {
    for (int i = 0; i < 300; i++) {
      send(i % PARTITIONS, now, true);
    }
    try (Admin admin = Admin.create(client); RetainedEvents.Reading reading = retained.open(partitions, now - 60_000)) {
      // As retention does: partition 0's first 40 records go before the reading gets to them.
      admin.deleteRecords(Map.of(partitions.get(0), RecordsToDelete.beforeOffset(40))).all().get();
      expected.get(partitions.get(0)).removeIf(offset -> offset < 40);
      readAll(reading, 1_000_000_000L);
    }
    for (TopicPartition tp : partitions) {
      assertThat(handedOffsets(tp)).as("partition %d: what is left, from the oldest on", tp.partition())
          .containsExactlyElementsOf(expected.get(tp));
    }
  }

  /** Reads slice after slice until the reading is done; it never hands more than was produced. */
  private void readAll(RetainedEvents.Reading reading, long sliceNanos) {
    while (!reading.readSome(sliceNanos, handed::add)) {
      assertThat(handed.size()).isLessThanOrEqualTo(expected.values().stream().mapToInt(List::size).sum());
    }
  }

  private List<Long> handedOffsets(TopicPartition tp) {
    return handed.stream().filter(r -> r.partition() == tp.partition()).map(ConsumerRecord::offset).toList();
  }

  /** Sends one record to a partition; adds its offset to the expected ones when {@code expect}. */
  private RecordMetadata send(int partition, long timestamp, boolean expect) throws Exception {
    TopicPartition tp = partitions.get(partition);
    RecordMetadata sent = producer.send(new ProducerRecord<>(tp.topic(), partition, timestamp,
        "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))).get();
    if (expect) {
      expected.computeIfAbsent(tp, k -> new ArrayList<>()).add(sent.offset());
    }
    return sent;
  }
}
