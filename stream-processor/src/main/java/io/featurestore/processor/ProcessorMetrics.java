package io.featurestore.processor;

/** The processor's own measurements; {@link MicrometerProcessorMetrics} publishes them. */
public interface ProcessorMetrics {
  /** A valid event was applied to its user's features. */
  void eventProcessed(String type);

  /** A record went to the dead-letter topic. */
  void deadLettered(String sourceTopic);

  /** An event older than any window it could count in was ignored. */
  void lateEvent(String type);

  /** A flush wrote {@code entities} users in {@code nanos}. */
  void sinkFlushed(int entities, long nanos);

  /** A Redis write failed and will be retried. */
  void sinkRetry();

  /** Redis refused one user's write for a reason of that user's key; the write was dropped. */
  void sinkRejected();

  /** A replayed record (already applied to its user's state) was skipped. */
  void replaySkipped(String type);

  /** Time from an event's event time to its effect being written to Redis. */
  void endToEndLag(long millis);

  /** Newest event time applied so far (for the heartbeat). */
  void eventTime(long ts);

  ProcessorMetrics NONE = new ProcessorMetrics() {
    @Override
    public void eventProcessed(String type) {
    }

    @Override
    public void deadLettered(String sourceTopic) {
    }

    @Override
    public void lateEvent(String type) {
    }

    @Override
    public void sinkFlushed(int entities, long nanos) {
    }

    @Override
    public void sinkRetry() {
    }

    @Override
    public void sinkRejected() {
    }

    @Override
    public void replaySkipped(String type) {
    }

    @Override
    public void endToEndLag(long millis) {
    }

    @Override
    public void eventTime(long ts) {
    }
  };
}
