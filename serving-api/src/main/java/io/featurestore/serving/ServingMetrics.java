package io.featurestore.serving;

import io.featurestore.core.FeatureVector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The serving API's meters. Every meter a request touches is created once and looked up by
 * a hash, so recording costs a few adds. Route tags are route templates
 * ({@code /v1/features/{entity_id}}), never raw paths, so no client can grow the series.
 */
final class ServingMetrics {
  static final String REQUESTS = "http.server.requests";
  static final String REDIS_ERRORS = "fs.serving.redis.errors";
  static final String FEATURE_READS = "fs.serving.feature.reads";
  static final String ENTITY_READS = "fs.serving.entity.reads";
  static final String BATCH_SIZE = "fs.serving.batch.size";
  /** Route tag of requests that matched no route (unknown paths, static assets). */
  static final String UNMATCHED = "unmatched";

  private final MeterRegistry registry;
  private final Map<String, Counter> hits = new HashMap<>();
  private final Map<String, Counter> misses = new HashMap<>();
  private final Counter entitiesFound;
  private final Counter entitiesNotFound;
  private final DistributionSummary batchSize;
  private final Counter redisConnectionErrors;
  private final Counter redisCommandErrors;
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  private record TimerKey(String method, String route, int status) {
  }

  ServingMetrics(MeterRegistry registry, List<String> featureNames) {
    this.registry = registry;
    for (String feature : featureNames) {
      hits.put(feature, featureReads(feature, "hit"));
      misses.put(feature, featureReads(feature, "miss"));
    }
    entitiesFound = Counter.builder(ENTITY_READS).description("Entities read, by whether their hash exists")
        .tag("result", "found").register(registry);
    entitiesNotFound = Counter.builder(ENTITY_READS).description("Entities read, by whether their hash exists")
        .tag("result", "not_found").register(registry);
    batchSize = DistributionSummary.builder(BATCH_SIZE).description("Entity ids per batch request")
        .baseUnit("entities").serviceLevelObjectives(1, 10, 50, 100, 500, 1000).register(registry);
    redisConnectionErrors = redisErrors("connection");
    redisCommandErrors = redisErrors("command");
  }

  private Counter redisErrors(String kind) {
    return Counter.builder(REDIS_ERRORS)
        .description("Requests that failed on Redis: connection = unreachable, timed out or no pooled connection;"
            + " command = Redis rejected a command")
        .tag("kind", kind).register(registry);
  }

  private Counter featureReads(String feature, String result) {
    return Counter.builder(FEATURE_READS)
        .description("Requested features per entity read: hit = present, miss = absent (expired, never written)")
        .tag("feature", feature).tag("result", result).register(registry);
  }

  void recordRequest(String method, String route, int status, long nanos) {
    timers.computeIfAbsent(new TimerKey(method, route, status), k -> Timer.builder(REQUESTS)
        .description("HTTP requests by route template, method and status")
        .tag("method", k.method()).tag("route", k.route()).tag("status", Integer.toString(k.status()))
        .publishPercentileHistogram()
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(3))
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void recordRead(FeatureVector vector, List<String> requested) {
    (vector.found() ? entitiesFound : entitiesNotFound).increment();
    Map<String, Object> values = vector.values();
    for (String feature : requested) {
      Counter counter = values.containsKey(feature) ? hits.get(feature) : misses.get(feature);
      if (counter != null) {
        counter.increment();
      }
    }
  }

  void recordBatchSize(int entities) {
    batchSize.record(entities);
  }

  void redisConnectionError() {
    redisConnectionErrors.increment();
  }

  void redisCommandError() {
    redisCommandErrors.increment();
  }
}
