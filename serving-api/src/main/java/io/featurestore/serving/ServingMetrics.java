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
  /** By entity, then feature. */
  private final Map<String, Map<String, Counter>> hits = new HashMap<>();
  private final Map<String, Map<String, Counter>> misses = new HashMap<>();
  private final Map<String, Counter> entitiesFound = new HashMap<>();
  private final Map<String, Counter> entitiesNotFound = new HashMap<>();
  private final Map<String, Counter> entitiesUnreadable = new HashMap<>();
  private final DistributionSummary batchSize;
  private final Counter redisConnectionErrors;
  private final Counter redisCommandErrors;
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  private record TimerKey(String method, String route, int status) {
  }

  /** @param featureNames each entity's features, by entity name */
  ServingMetrics(MeterRegistry registry, Map<String, List<String>> featureNames) {
    this.registry = registry;
    featureNames.forEach((entity, features) -> {
      Map<String, Counter> entityHits = new HashMap<>();
      Map<String, Counter> entityMisses = new HashMap<>();
      for (String feature : features) {
        entityHits.put(feature, featureReads(entity, feature, "hit"));
        entityMisses.put(feature, featureReads(entity, feature, "miss"));
      }
      hits.put(entity, entityHits);
      misses.put(entity, entityMisses);
      entitiesFound.put(entity, entityReads(entity, "found"));
      entitiesNotFound.put(entity, entityReads(entity, "not_found"));
      entitiesUnreadable.put(entity, entityReads(entity, "error"));
    });
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

  private Counter featureReads(String entity, String feature, String result) {
    return Counter.builder(FEATURE_READS)
        .description("Requested features per entity read: hit = present, miss = absent (expired, never written)")
        .tag("entity", entity).tag("feature", feature).tag("result", result).register(registry);
  }

  private Counter entityReads(String entity, String result) {
    return Counter.builder(ENTITY_READS)
        .description("Entities read, by whether their hash exists; error = their key is not a hash, or some of their"
            + " values are not of their feature's type (the others were served)")
        .tag("entity", entity).tag("result", result).register(registry);
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

  /** One entity read: found or not, and each requested feature present (its values) or absent (its missing). */
  void recordRead(String entity, FeatureVector vector) {
    Counter found = (vector.error().isPresent() ? entitiesUnreadable : vector.found() ? entitiesFound : entitiesNotFound)
        .get(entity);
    if (found == null) {
      return;
    }
    found.increment();
    if (vector.unreadableKey()) {
      return; // not read: no feature was a hit or a miss
    }
    Map<String, Counter> entityHits = hits.get(entity);
    for (String feature : vector.values().keySet()) {
      Counter counter = entityHits.get(feature);
      if (counter != null) {
        counter.increment();
      }
    }
    Map<String, Counter> entityMisses = misses.get(entity);
    for (String feature : vector.missing()) {
      Counter counter = entityMisses.get(feature);
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
