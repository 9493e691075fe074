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

  /** The user's counters are named by event type alone ({@code processed.transaction}), another entity's with it ({@code processed.merchant.transaction}). */
  private static String name(String what, String entity, String type) {
    return what + "." + (entity.equals("user") ? "" : entity + ".") + type;
  }

  @Override
  public void eventProcessed(String entity, String type) {
    inc(name("processed", entity, type));
  }

  @Override
  public void unkeyedEvent(String entity) {
    inc("unkeyed." + entity);
  }

  @Override
  public void deadLettered(String sourceTopic) {
    inc("dlq");
  }

  @Override
  public void lateEvent(String entity, String type) {
    inc(name("late", entity, type));
  }

  /** Tasks rebuilding, by entity. */
  final Map<String, AtomicLong> rebuilding = new ConcurrentHashMap<>();

  @Override
  public void rebuilding(String entity, int change) {
    rebuilding.computeIfAbsent(entity, e -> new AtomicLong()).addAndGet(change);
  }

  /** The most entities one flush wrote. */
  final AtomicLong largestFlush = new AtomicLong();

  @Override
  public void sinkFlushed(int entities, long nanos) {
    inc("flush");
    largestFlush.accumulateAndGet(entities, Math::max);
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
  public void replaySkipped(String entity, String type) {
    inc(name("replay", entity, type));
  }

  @Override
  public void endToEndLag(long millis) {
    inc("lag");
  }
}
