package io.featurestore.processor;

import java.util.Collection;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The events the input topics still retain, reread to rebuild an entity's state when its
 * declarations changed or when it is new to an application that has already processed events
 * (see {@link EntityFeaturesProcessor}).
 */
interface RetainedEvents {
  /**
   * True when the application had committed input offsets when it started: the events before
   * them were processed, and a state that did not see them must be rebuilt from what the topics
   * retain. False on a first start, when every retained event will be processed anyway.
   */
  boolean hasCommittedInput();

  /** The number of partitions of a topic. */
  int partitions(String topic);

  /**
   * Hands every record of {@code partitions}, from the first with a Kafka timestamp at or after
   * {@code fromMs} to the end of each partition as of this call, to {@code each}, in offset order
   * per partition.
   *
   * @return the number of records read
   */
  long read(Collection<TopicPartition> partitions, long fromMs, Consumer<ConsumerRecord<byte[], byte[]>> each);
}
