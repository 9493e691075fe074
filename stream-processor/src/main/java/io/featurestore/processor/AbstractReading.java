package io.featurestore.processor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What every {@link RetainedEvents.Reading} keeps the same way: where each partition ends (as of
 * the start, moved by {@link #extendTo}), when the reading is done, and how many records it handed.
 */
abstract class AbstractReading implements RetainedEvents.Reading {
  private final Map<TopicPartition, Long> end = new HashMap<>();
  private long read;

  /** Where {@code partition} ends as the reading starts (exclusive). */
  protected final void endAt(TopicPartition partition, long endOffset) {
    end.put(partition, endOffset);
  }

  protected final long end(TopicPartition partition) {
    return end.get(partition);
  }

  /** True once every partition's position is at or past its end. */
  protected final boolean done(ToLongFunction<TopicPartition> position) {
    return end.entrySet().stream().allMatch(e -> position.applyAsLong(e.getKey()) >= e.getValue());
  }

  protected final void hand(ConsumerRecord<byte[], byte[]> record, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    each.accept(record);
    read++;
  }

  @Override
  public final boolean extendTo(TopicPartition partition, long endOffset) {
    return end.computeIfPresent(partition, (tp, e) -> Math.max(e, endOffset)) != null;
  }

  @Override
  public final long read() {
    return read;
  }
}
