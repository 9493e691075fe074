package io.featurestore.processor;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link SinkBuffer} per stream thread, shared by the tasks that thread runs. */
final class SinkBuffers {
  private final ConcurrentHashMap<Thread, SinkBuffer> byThread = new ConcurrentHashMap<>();
  private final FeatureWriter writer;
  private final ProcessorMetrics metrics;
  private final Duration retryBudget;

  SinkBuffers(FeatureWriter writer, ProcessorMetrics metrics, Duration retryBudget) {
    this.writer = writer;
    this.metrics = metrics;
    this.retryBudget = retryBudget;
  }

  SinkBuffer forCurrentThread() {
    // Threads that died are dropped so a replaced stream thread does not leak its buffer.
    byThread.keySet().removeIf(t -> !t.isAlive());
    return byThread.computeIfAbsent(Thread.currentThread(), t -> new SinkBuffer(writer, metrics, retryBudget));
  }
}
