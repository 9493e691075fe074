package io.featurestore.processor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Publishes the processor's measurements to a Micrometer registry (Prometheus in production). */
public final class MicrometerProcessorMetrics implements ProcessorMetrics {
  private final MeterRegistry registry;
  private final Counter deadLetters;
  private final Counter retries;
  private final Counter rejected;
  private final Timer flush;
  private final DistributionSummary flushSize;
  private final Timer lag;
  private final AtomicLong lastEventTs = new AtomicLong(-1);
  private final AtomicLong eventsTotal = new AtomicLong();
  /** Counters by entity, then by event type: looked up per event without building a key. */
  private final Map<String, Map<String, Counter>> eventsByType = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> lateByType = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> replaysByType = new ConcurrentHashMap<>();
  private final Map<String, Counter> unkeyedByEntity = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> rebuildingByEntity = new ConcurrentHashMap<>();
  /** The entity whose processed events are the input events (each once): the record-key entity. */
  private final String inputEntity;

  public MicrometerProcessorMetrics(MeterRegistry registry) {
    this(registry, DeclaredFeatures.RECORD_KEY_ENTITY);
  }

  public MicrometerProcessorMetrics(MeterRegistry registry, String inputEntity) {
    this.registry = registry;
    this.inputEntity = inputEntity;
    this.deadLetters = Counter.builder("fs_processor_dead_letters").description("Records sent to events.dlq").register(registry);
    this.retries = Counter.builder("fs_processor_sink_retries").description("Redis writes retried").register(registry);
    this.rejected = Counter.builder("fs_processor_sink_rejected")
        .description("Entity writes Redis refused for a reason of that entity's key (e.g. WRONGTYPE), dropped").register(registry);
    this.flush = Timer.builder("fs_processor_sink_flush").description("Time to write one flush to Redis")
        .publishPercentileHistogram().serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(50))
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    this.flushSize = DistributionSummary.builder("fs_processor_sink_flush_users").description("Entities written per flush")
        .register(registry);
    this.lag = Timer.builder("fs_processor_end_to_end_lag").description("Event time to the feature written in Redis")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(15))
        .register(registry);
    registry.gauge("fs_processor_last_event_ts_ms", lastEventTs);
  }

  @Override
  public void eventProcessed(String entity, String type) {
    if (entity.equals(inputEntity)) {
      eventsTotal.incrementAndGet();
    }
    counter(eventsByType, "fs_processor_events", entity, type).increment();
  }

  private Counter counter(Map<String, Map<String, Counter>> byEntity, String name, String entity, String type) {
    return byEntity.computeIfAbsent(entity, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(type, t -> registry.counter(name, "entity", entity, "type", t));
  }

  @Override
  public void deadLettered(String sourceTopic) {
    deadLetters.increment();
  }

  @Override
  public void lateEvent(String entity, String type) {
    counter(lateByType, "fs_processor_late_events", entity, type).increment();
  }

  @Override
  public void unkeyedEvent(String entity) {
    unkeyedByEntity.computeIfAbsent(entity, e -> registry.counter("fs_processor_unkeyed_events", "entity", e)).increment();
  }

  @Override
  public void sinkFlushed(int entities, long nanos) {
    flush.record(nanos, TimeUnit.NANOSECONDS);
    flushSize.record(entities);
  }

  @Override
  public void sinkRetry() {
    retries.increment();
  }

  @Override
  public void sinkRejected() {
    rejected.increment();
  }

  @Override
  public void replaySkipped(String entity, String type) {
    counter(replaysByType, "fs_processor_replayed_events", entity, type).increment();
  }

  @Override
  public void endToEndLag(long millis) {
    lag.record(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void rebuilding(String entity, int change) {
    rebuildingByEntity.computeIfAbsent(entity, e -> registry.gauge("fs_processor_rebuilding_tasks",
        io.micrometer.core.instrument.Tags.of("entity", e), new AtomicLong())).addAndGet(change);
  }

  @Override
  public void eventTime(long ts) {
    lastEventTs.accumulateAndGet(ts, Math::max);
  }

  public long lastEventTs() {
    return lastEventTs.get();
  }

  public long eventsTotal() {
    return eventsTotal.get();
  }
}
