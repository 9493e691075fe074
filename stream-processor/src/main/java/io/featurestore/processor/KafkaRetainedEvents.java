package io.featurestore.processor;

import io.featurestore.events.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RetainedEvents} on the broker: whether the application had committed input offsets is
 * read once, by {@link #readCommittedInput} before its Kafka Streams starts; each rebuild reads
 * with a consumer of its own, without a group (assigned partitions, nothing committed).
 */
final class KafkaRetainedEvents implements RetainedEvents {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRetainedEvents.class);
  private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

  private final Properties clientProperties;
  private final String applicationId;
  private volatile Boolean committedInput;

  /**
   * @param clientProperties bootstrap servers and security, as every client of the processor gets them
   * @param applicationId    the consumer group whose committed offsets tell a restart from a first start
   */
  KafkaRetainedEvents(Properties clientProperties, String applicationId) {
    this.clientProperties = clientProperties;
    this.applicationId = applicationId;
  }

  /** Reads whether the application has committed input offsets; call before its Kafka Streams starts. */
  void readCommittedInput() {
    try (Admin admin = Admin.create(clientProperties)) {
      Map<TopicPartition, ?> offsets = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
          .get();
      committedInput = offsets.entrySet().stream()
          .anyMatch(e -> e.getValue() != null && (e.getKey().topic().equals(Topics.LOGIN)
              || e.getKey().topic().equals(Topics.TRANSACTION)));
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the committed offsets of " + applicationId + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading committed offsets", e);
    }
  }

  @Override
  public boolean hasCommittedInput() {
    if (committedInput == null) {
      throw new IllegalStateException("readCommittedInput() was not called before Kafka Streams started");
    }
    return committedInput;
  }

  @Override
  public int partitions(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      return consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
    }
  }

  @Override
  public long read(Collection<TopicPartition> partitions, long fromMs, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> assigned = List.copyOf(partitions);
      consumer.assign(assigned);
      Map<TopicPartition, Long> end = consumer.endOffsets(assigned, Duration.ofSeconds(30));
      Map<TopicPartition, Long> times = new HashMap<>();
      assigned.forEach(tp -> times.put(tp, fromMs));
      Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
      long total = 0;
      for (TopicPartition tp : assigned) {
        OffsetAndTimestamp at = start.get(tp);
        long from = at == null ? end.get(tp) : at.offset();
        consumer.seek(tp, from);
        total += end.get(tp) - from;
      }
      long read = 0;
      long started = System.nanoTime();
      long lastProgress = started;
      while (assigned.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            each.accept(r);
            read++;
          }
        }
        if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
          double rate = read / Math.max(1e-9, (System.nanoTime() - started) / 1e9);
          // The remaining time tells whether the rebuild fits FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS.
          LOG.info("Rebuild: {} of {} retained records read ({} records/s, about {} s left)", read, total,
              Math.round(rate), rate > 0 ? Math.round((total - read) / rate) : "?");
          lastProgress = System.nanoTime();
        }
      }
      return read;
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
