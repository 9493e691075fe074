package io.featurestore.processor;

import io.featurestore.core.FeatureRegistry;
import java.time.Duration;

/**
 * What the topology needs to know, with no I/O in it.
 *
 * @param registry        feature registry (entity ids, stream TTL)
 * @param flushInterval   how often buffered writes go to Redis and due counts are re-evaluated
 * @param commitInterval  longest time between offset commits when nothing was written
 * @param sinkRetryBudget how long a failing Redis write is retried before the task fails
 * @param maxFutureSkew   an event stamped further than this ahead of the processor's clock goes to the DLQ
 * @param repartitionPartitions partitions of each repartition topic (entities not keyed by user_id);
 *                        0 for as many as the input topics have
 */
public record TopologySettings(FeatureRegistry registry, Duration flushInterval, Duration commitInterval,
    Duration sinkRetryBudget, Duration maxFutureSkew, int repartitionPartitions) {

  public TopologySettings(FeatureRegistry registry, Duration flushInterval, Duration commitInterval,
      Duration sinkRetryBudget, Duration maxFutureSkew) {
    this(registry, flushInterval, commitInterval, sinkRetryBudget, maxFutureSkew, 0);
  }

  public Duration streamTtl() {
    return Duration.ofSeconds(registry.streamTtlSeconds());
  }

  /**
   * A live count is rewritten a third of the way before its TTL ends, so two renewals can be
   * missed (a slow flush, a rebalance) before the field lapses.
   */
  public Duration leaseRenewal() {
    return streamTtl().dividedBy(3).compareTo(flushInterval) > 0 ? streamTtl().dividedBy(3) : flushInterval;
  }
}
