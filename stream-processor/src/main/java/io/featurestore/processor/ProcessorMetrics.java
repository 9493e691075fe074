package io.featurestore.processor;

/** The processor's own measurements, each ignored unless overridden; {@link MicrometerProcessorMetrics} publishes them. */
public interface ProcessorMetrics {
  /** A valid event was applied to its user's features. */
  default void eventProcessed(String type) {
  }

  /** A record went to the dead-letter topic. */
  default void deadLettered(String sourceTopic) {
  }

  /** An event older than any window it could count in was ignored. */
  default void lateEvent(String type) {
  }

  /** A flush wrote {@code entities} users in {@code nanos}. */
  default void sinkFlushed(int entities, long nanos) {
  }

  /** A Redis write failed and will be retried. */
  default void sinkRetry() {
  }

  /** Redis refused one user's write for a reason of that user's key; the write was dropped. */
  default void sinkRejected() {
  }

  /** A replayed record (already applied to its user's state) was skipped. */
  default void replaySkipped(String type) {
  }

  /** Time from an event's event time to its effect being written to Redis. */
  default void endToEndLag(long millis) {
  }

  /** Newest event time applied so far (for the heartbeat). */
  default void eventTime(long ts) {
  }

  /** Measures nothing. */
  ProcessorMetrics NONE = new ProcessorMetrics() { };
}
