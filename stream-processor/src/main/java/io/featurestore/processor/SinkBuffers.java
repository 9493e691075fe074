package io.featurestore.processor;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link SinkBuffer} per stream thread, shared by the tasks that thread runs. */
public final class SinkBuffers {
  private final ConcurrentHashMap<Thread, SinkBuffer> byThread = new ConcurrentHashMap<>();
  private final FeatureWriter writer;
  private final ProcessorMetrics metrics;
  private final Duration retryBudget;

  private volatile boolean shuttingDown;

  public SinkBuffers(FeatureWriter writer, ProcessorMetrics metrics, Duration retryBudget) {
    this.writer = writer;
    this.metrics = metrics;
    this.retryBudget = retryBudget;
  }

  /**
   * Called before a clean shutdown: tasks closed from now on write their pending values before
   * they go (their offsets are already committed), so Redis holds the latest values while the
   * processor is stopped. Tasks closed at any other time (lost, failed, revoked) drop them.
   */
  public void shuttingDown() {
    shuttingDown = true;
  }

  boolean isShuttingDown() {
    return shuttingDown;
  }

  SinkBuffer forCurrentThread() {
    // Threads that died are dropped so a replaced stream thread does not leak its buffer.
    byThread.keySet().removeIf(t -> !t.isAlive());
    return byThread.computeIfAbsent(Thread.currentThread(), t -> new SinkBuffer(writer, metrics, retryBudget));
  }
}
