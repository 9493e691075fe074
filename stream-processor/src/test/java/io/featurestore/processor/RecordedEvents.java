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

  void add(String topic, byte[] key, byte[] value, long timestamp) {
    List<ConsumerRecord<byte[], byte[]>> partition = records.computeIfAbsent(new TopicPartition(topic, 0),
        tp -> new ArrayList<>());
    partition.add(new ConsumerRecord<>(topic, 0, partition.size(), timestamp,
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
  public long read(Collection<TopicPartition> partitions, long fromMs, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    long read = 0;
    for (TopicPartition tp : partitions) {
      // As offsetsForTimes: from the first record stamped at or after fromMs, then everything after it.
      boolean started = false;
      for (ConsumerRecord<byte[], byte[]> r : records.getOrDefault(tp, List.of())) {
        started |= r.timestamp() >= fromMs;
        if (started) {
          each.accept(r);
          read++;
        }
      }
    }
    return read;
  }
}
