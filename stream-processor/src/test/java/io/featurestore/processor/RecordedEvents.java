package io.featurestore.processor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** Retained events for topology tests: what a test sent, one partition per topic, offsets from 0. */
final class RecordedEvents implements RetainedEvents {
  private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
  boolean committedInput = true;
  /** Records a rebuild reads per slice: fewer than it needs makes it take several punctuations. */
  int perSlice = Integer.MAX_VALUE;
  /** Slices read so far, by every reading. */
  int slices;

  /**
   * The record at {@code offset} of a topic: appended when it is the next one, ignored when the
   * topic already holds it (the same record sent again, as a processor resuming from older
   * committed offsets receives it).
   */
  void add(String topic, long offset, byte[] key, byte[] value, long timestamp) {
    List<ConsumerRecord<byte[], byte[]>> partition = records.computeIfAbsent(new TopicPartition(topic, 0),
        tp -> new ArrayList<>());
    if (offset < partition.size()) {
      return;
    }
    if (offset > partition.size()) {
      throw new IllegalArgumentException(topic + " holds " + partition.size() + " records, not offset " + offset);
    }
    partition.add(new ConsumerRecord<>(topic, 0, offset, timestamp,
        org.apache.kafka.common.record.TimestampType.CREATE_TIME, key.length, value.length, key, value,
        new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty()));
  }

  @Override
  public boolean hasCommittedInput() {
    return committedInput;
  }

  @Override
  public int partitions(String topic) {
    return 1;
  }

  @Override
  public Reading open(Collection<TopicPartition> partitions, long fromMs) {
    Map<TopicPartition, Integer> position = new HashMap<>();
    AbstractReading reading = new AbstractReading() {
      @Override
      public boolean readSome(long budgetNanos, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        slices++;
        int handed = 0;
        for (TopicPartition tp : partitions) {
          List<ConsumerRecord<byte[], byte[]>> partition = records.getOrDefault(tp, List.of());
          while (handed < perSlice && position.get(tp) < Math.min(end(tp), partition.size())) {
            hand(partition.get(position.merge(tp, 1, Integer::sum) - 1), each);
            handed++;
          }
        }
        return done(position::get);
      }

      @Override
      public void close() {
      }
    };
    for (TopicPartition tp : partitions) {
      // As offsetsForTimes: from the first record stamped at or after fromMs, then everything after it.
      List<ConsumerRecord<byte[], byte[]>> partition = records.getOrDefault(tp, List.of());
      int first = 0;
      while (first < partition.size() && partition.get(first).timestamp() < fromMs) {
        first++;
      }
      position.put(tp, first);
      reading.endAt(tp, partition.size());
    }
    return reading;
  }
}
