package io.featurestore.processor;

/** The processor's own measurements, each ignored unless overridden; {@link MicrometerProcessorMetrics} publishes them. */
public interface ProcessorMetrics {
  /** A valid event was applied to one entity's features (a transaction counts once for the user, once for the merchant). */
  default void eventProcessed(String entity, String type) {
  }

  /** A record went to the dead-letter topic. */
  default void deadLettered(String sourceTopic) {
  }

  /** An event older than any window of this entity it could count in was ignored. */
  default void lateEvent(String entity, String type) {
  }

  /** An event had no valid id for this entity (e.g. a malformed merchant_id); it counted for the user only. */
  default void unkeyedEvent(String entity) {
  }

  /** A flush wrote {@code entities} users in {@code nanos}. */
  default void sinkFlushed(int entities, long nanos) {
  }

  /** A Redis write failed and will be retried. */
  default void sinkRetry() {
  }

  /** Redis refused one entity's write for a reason of that entity's key; the write was dropped. */
  default void sinkRejected() {
  }

  /** A replayed record (already applied to this entity's state) was skipped. */
  default void replaySkipped(String entity, String type) {
  }

  /** Time from an event's event time to its effect being written to Redis. */
  default void endToEndLag(long millis) {
  }

  /** Newest event time applied so far (for the heartbeat). */
  default void eventTime(long ts) {
  }

  /**
   * A task started (+1) or ended (-1: done, or the task closed) rebuilding an entity's state from
   * the retained events; meanwhile that entity's features of the task are not written.
   */
  default void rebuilding(String entity, int change) {
  }

  /** Measures nothing. */
  ProcessorMetrics NONE = new ProcessorMetrics() { };
}
