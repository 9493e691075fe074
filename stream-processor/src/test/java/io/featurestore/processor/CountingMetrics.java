package io.featurestore.processor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Metrics that just count, for assertions. */
final class CountingMetrics implements ProcessorMetrics {
  final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  long get(String name) {
    return counts.getOrDefault(name, new AtomicLong()).get();
  }

  private void inc(String name) {
    counts.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void eventProcessed(String type) {
    inc("processed." + type);
  }

  @Override
  public void deadLettered(String sourceTopic) {
    inc("dlq");
  }

  @Override
  public void lateEvent(String type) {
    inc("late." + type);
  }

  @Override
  public void sinkFlushed(int entities, long nanos) {
    inc("flush");
  }

  @Override
  public void sinkRetry() {
    inc("retry");
  }

  @Override
  public void sinkRejected() {
    inc("rejected");
  }

  @Override
  public void replaySkipped(String type) {
    inc("replay." + type);
  }

  @Override
  public void endToEndLag(long millis) {
    inc("lag");
  }
}
