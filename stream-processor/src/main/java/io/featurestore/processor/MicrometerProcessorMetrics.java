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
  private final Map<String, Counter> eventsByType = new ConcurrentHashMap<>();
  private final Map<String, Counter> lateByType = new ConcurrentHashMap<>();
  private final Map<String, Counter> replaysByType = new ConcurrentHashMap<>();

  public MicrometerProcessorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.deadLetters = Counter.builder("fs_processor_dead_letters").description("Records sent to events.dlq").register(registry);
    this.retries = Counter.builder("fs_processor_sink_retries").description("Redis writes retried").register(registry);
    this.rejected = Counter.builder("fs_processor_sink_rejected")
        .description("User writes Redis refused for a reason of that user's key (e.g. WRONGTYPE), dropped").register(registry);
    this.flush = Timer.builder("fs_processor_sink_flush").description("Time to write one flush to Redis")
        .publishPercentileHistogram().serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(50))
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    this.flushSize = DistributionSummary.builder("fs_processor_sink_flush_users").description("Users written per flush")
        .register(registry);
    this.lag = Timer.builder("fs_processor_end_to_end_lag").description("Event time to the feature written in Redis")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(15))
        .register(registry);
    registry.gauge("fs_processor_last_event_ts_ms", lastEventTs);
  }

  @Override
  public void eventProcessed(String type) {
    eventsTotal.incrementAndGet();
    eventsByType.computeIfAbsent(type, t -> registry.counter("fs_processor_events", "type", t)).increment();
  }

  @Override
  public void deadLettered(String sourceTopic) {
    deadLetters.increment();
  }

  @Override
  public void lateEvent(String type) {
    lateByType.computeIfAbsent(type, t -> registry.counter("fs_processor_late_events", "type", t)).increment();
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
  public void replaySkipped(String type) {
    replaysByType.computeIfAbsent(type, t -> registry.counter("fs_processor_replayed_events", "type", t)).increment();
  }

  @Override
  public void endToEndLag(long millis) {
    lag.record(millis, TimeUnit.MILLISECONDS);
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
