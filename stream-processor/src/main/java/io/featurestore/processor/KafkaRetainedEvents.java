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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RetainedEvents} on the broker: whether the application had committed input offsets is
 * read once, by {@link #readCommittedInput} before its Kafka Streams starts; each rebuild reads
 * with a consumer of its own, without a group (assigned partitions, nothing committed), kept
 * open across the rebuild's slices.
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
  public Reading open(Collection<TopicPartition> partitions, long fromMs) {
    return new KafkaReading(consumer(), List.copyOf(partitions), fromMs);
  }

  /** A reading with a consumer of its own, kept open from slice to slice. */
  private static final class KafkaReading extends AbstractReading {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long total;
    private final long started = System.nanoTime();
    private long lastProgress = started;

    KafkaReading(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> assigned, long fromMs) {
      this.consumer = consumer;
      try {
        consumer.assign(assigned);
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, Duration.ofSeconds(30));
        Map<TopicPartition, Long> times = new HashMap<>();
        assigned.forEach(tp -> times.put(tp, fromMs));
        Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
        long toRead = 0;
        for (TopicPartition tp : assigned) {
          OffsetAndTimestamp at = start.get(tp);
          long from = at == null ? end.get(tp) : at.offset();
          consumer.seek(tp, from);
          endAt(tp, end.get(tp));
          toRead += end.get(tp) - from;
        }
        total = toRead;
      } catch (RuntimeException e) {
        consumer.close();
        throw e;
      }
    }

    @Override
    public boolean readSome(long budgetNanos, Consumer<ConsumerRecord<byte[], byte[]>> each) {
      long sliceStart = System.nanoTime();
      while (!done(consumer::position)) {
        long left = Math.max(budgetNanos - (System.nanoTime() - sliceStart), 1_000_000L);
        // Every record polled is handed on, past the end too: the consumer's position has moved
        // beyond it, and a later extendTo() may need it.
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, 500_000_000L)))) {
          hand(r, each);
        }
        if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
          double rate = read() / Math.max(1e-9, (System.nanoTime() - started) / 1e9);
          LOG.info("Rebuild: {} of {} retained records read ({} records/s, about {} s left)", read(), total,
              Math.round(rate), rate > 0 ? Math.max(0, Math.round((total - read()) / rate)) : "?");
          lastProgress = System.nanoTime();
        }
        if (System.nanoTime() - sliceStart >= budgetNanos) {
          return done(consumer::position);
        }
      }
      return true;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    // Retention shorter than the lookback may delete the oldest records under a long rebuild: go
    // on from the oldest left, not from the end (the default), which would skip all the rest.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
