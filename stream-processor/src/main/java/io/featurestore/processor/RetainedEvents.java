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
   * A reading of {@code partitions}, from the first record of each with a Kafka timestamp at or
   * after {@code fromMs} to its end as of this call, done a slice at a time so that the stream
   * thread keeps polling in between.
   */
  Reading open(Collection<TopicPartition> partitions, long fromMs);

  /** A reading in progress; see {@link #open}. */
  interface Reading extends AutoCloseable {
    /**
     * Hands the next records to {@code each}, in offset order per partition, for about
     * {@code budgetNanos} at most. Records past a partition's end may be handed too: they are
     * events like any other. Returns true once every partition has been read to its end.
     */
    boolean readSome(long budgetNanos, Consumer<ConsumerRecord<byte[], byte[]>> each);

    /**
     * Moves a partition's end to at least {@code endOffset} (exclusive): records the reading must
     * not miss. Returns false, changing nothing, when the reading does not read that partition.
     */
    boolean extendTo(TopicPartition partition, long endOffset);

    /** Records handed so far. */
    long read();

    @Override
    void close();
  }
}
