package io.featurestore.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.featurestore.core.EntityInspection;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureReader;
import io.featurestore.core.FeatureVector;
import io.featurestore.core.Heartbeat;
import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code /v1} handlers. A single read is one HMGET (plus HTTL and TTL in the same
 * pipeline with freshness); a batch is one pipelined round trip. Each read answers a
 * {@code Server-Timing} header with the time spent in the store call.
 */
final class FeatureEndpoints {
  static final String ENTITY_ID = "entity_id";
  static final String SERVER_TIMING = "Server-Timing";

  private final FeatureReader reader;
  private final FeatureRegistry registry;
  private final FeatureSelection selection;
  private final int maxBatch;
  private final long maxRequestBytes;
  private final Json json;
  private final ServingMetrics metrics;
  private final Clock clock;
  private final byte[] registryBody;

  FeatureEndpoints(FeatureReader reader, int maxBatch, long maxRequestBytes, Json json, ServingMetrics metrics,
      Clock clock) {
    this.reader = reader;
    this.registry = reader.registry();
    this.selection = new FeatureSelection(registry);
    this.maxBatch = maxBatch;
    this.maxRequestBytes = maxRequestBytes;
    this.json = json;
    this.metrics = metrics;
    this.clock = clock;
    this.registryBody = json.bytes(RegistryView.of(registry, maxBatch));
  }

  /** GET /v1/features/{entity_id}?features=a,b | service=NAME [&freshness=true] */
  void readOne(Context ctx) {
    String entityId = registry.requireValidEntityId(ctx.pathParam(ENTITY_ID));
    List<String> featuresParam = ctx.queryParams("features");
    List<String> features = selection.select(
        featuresParam.isEmpty() ? null : FeatureSelection.splitQuery(featuresParam), ctx.queryParam("service"));
    boolean freshness = FeatureSelection.freshness(ctx.queryParam("freshness"));

    long start = System.nanoTime();
    FeatureVector vector = reader.get(entityId, features, freshness);
    long storeNanos = System.nanoTime() - start;

    metrics.recordRead(vector, features);
    ctx.header(SERVER_TIMING, timing(storeNanos));
    if (!vector.found()) {
      throw new ApiErrors.EntityNotFoundException(registry.entityName(), entityId);
    }
    json.send(ctx, 200, FeatureResult.of(vector, freshness));
  }

  /** POST /v1/features/batch */
  void readBatch(Context ctx) {
    // Refused on the declared length, so a client that announces more than it sends cannot
    // hold a thread until the idle timeout.
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxRequestBytes) {
      throw new ContentTooLargeResponse("request body of " + declared + " bytes is larger than the limit of "
          + maxRequestBytes + " bytes", Map.of());
    }
    BatchRequest request = BatchRequest.parse(json.read(ctx.bodyAsBytes()), registry, maxBatch);
    List<String> features = selection.select(request.features(), request.service());

    long start = System.nanoTime();
    List<FeatureVector> vectors = reader.getBatch(request.entityIds(), features, request.freshness());
    long storeNanos = System.nanoTime() - start;

    metrics.recordBatchSize(vectors.size());
    List<FeatureResult> results = new ArrayList<>(vectors.size());
    for (FeatureVector vector : vectors) {
      metrics.recordRead(vector, features);
      results.add(FeatureResult.of(vector, request.freshness()));
    }
    ctx.header(SERVER_TIMING, timing(storeNanos));
    json.send(ctx, 200, new FeatureResult.Batch(results));
  }

  /** GET /v1/entities/{entity_id}: every field with its TTL; HGETALL, for debugging only. */
  void inspect(Context ctx) {
    String entityId = registry.requireValidEntityId(ctx.pathParam(ENTITY_ID));
    long start = System.nanoTime();
    EntityInspection inspection = reader.inspect(entityId)
        .orElseThrow(() -> new ApiErrors.EntityNotFoundException(registry.entityName(), entityId));
    ctx.header(SERVER_TIMING, timing(System.nanoTime() - start));
    json.send(ctx, 200, InspectionView.of(inspection, registry));
  }

  /** GET /v1/registry: built once. */
  void describeRegistry(Context ctx) {
    Json.sendBytes(ctx, 200, registryBody);
  }

  /** GET /v1/stream-processor: the processors' heartbeats and the age of the newest event they applied. */
  void streamProcessor(Context ctx) {
    List<Heartbeat> heartbeats = reader.processorHeartbeats();
    json.send(ctx, 200, StreamProcessorView.of(heartbeats, clock.millis()));
  }

  /** {@code store;dur=0.231}: milliseconds with three decimals, without String.format on the request path. */
  static String timing(long nanos) {
    long micros = Math.max(0, nanos / 1000);
    long fraction = micros % 1000;
    return "store;dur=" + micros / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
  }

  /** The registry as clients need it: entity, id rule, features with types and sources, services, limits. */
  record RegistryView(String entity, String keyPrefix, String idPattern, long batchTtlSeconds, long streamTtlSeconds,
      int maxBatch, List<Map<String, String>> features, Map<String, Map<String, Object>> services) {

    static RegistryView of(FeatureRegistry registry, int maxBatch) {
      List<Map<String, String>> features = new ArrayList<>();
      for (FeatureDefinition f : registry.features()) {
        Map<String, String> view = new LinkedHashMap<>();
        view.put("name", f.name());
        view.put("type", f.type().registryName());
        view.put("source", f.source().name().toLowerCase(Locale.ROOT));
        view.put("description", f.description());
        features.add(view);
      }
      Map<String, Map<String, Object>> services = new LinkedHashMap<>();
      registry.services().forEach((name, service) -> {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("description", service.description());
        view.put("features", service.features());
        services.put(name, view);
      });
      return new RegistryView(registry.entityName(), registry.keyPrefix(), registry.idPattern(),
          registry.batchTtlSeconds(), registry.streamTtlSeconds(), maxBatch, features, services);
    }
  }

  /**
   * Everything stored for one entity: typed values (raw strings for fields the registry does
   * not know), the TTL of each field that has one, the key TTL, and the registry's features
   * that are absent.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record InspectionView(String entityId, String key, Map<String, Object> features, Map<String, Long> ttlSeconds,
      Long keyTtlSeconds, List<String> missing, List<String> unknownFields) {

    static InspectionView of(EntityInspection inspection, FeatureRegistry registry) {
      Map<String, Long> ttls = new LinkedHashMap<>();
      inspection.fieldTtlSeconds().forEach((field, ttl) -> {
        if (ttl != null && ttl >= 0) {
          ttls.put(field, ttl);
        }
      });
      List<String> missing = new ArrayList<>();
      for (String name : registry.featureNames()) {
        if (!inspection.values().containsKey(name)) {
          missing.add(name);
        }
      }
      List<String> unknown = new ArrayList<>();
      for (String field : inspection.values().keySet()) {
        if (registry.feature(field).isEmpty()) {
          unknown.add(field);
        }
      }
      return new InspectionView(inspection.entityId(), inspection.key(), inspection.values(), ttls,
          inspection.keyTtlSeconds().isPresent() ? inspection.keyTtlSeconds().getAsLong() : null, missing, unknown);
    }
  }

  /**
   * The stream processors' liveness: {@code live} is true while at least one instance's
   * heartbeat (renewed every second, with a field TTL of a few seconds) is present;
   * {@code healthy} while, in addition, every instance reports status OK. Each instance's
   * {@code status} (OK, FAILING, STALLED, STARTING, DOWN), {@code reason} and
   * {@code status_since_ms} are its own verdict, as its {@code /health} gives it. Instances with
   * the same application id share the input partitions; each lists the {@code partitions} its
   * stream tasks own now (empty from an older processor, or one that owns none).
   */
  record StreamProcessorView(boolean live, boolean healthy, long nowMs, Long newestEventTsMs, Long newestEventAgeMs,
      List<Instance> instances) {

    record Instance(String instanceId, String state, String status, String reason, Long statusSinceMs,
        long heartbeatAtMs, long heartbeatAgeMs, Long lastEventTsMs, long eventsTotal, List<String> partitions) {
    }

    static StreamProcessorView of(List<Heartbeat> heartbeats, long nowMs) {
      List<Instance> instances = new ArrayList<>(heartbeats.size());
      long newest = -1;
      boolean allOk = true;
      for (Heartbeat h : heartbeats) {
        newest = Math.max(newest, h.lastEventTsMs());
        allOk &= h.ok();
        instances.add(new Instance(h.instanceId(), h.state(), h.status(), h.reason(),
            h.statusSinceMs() > 0 ? h.statusSinceMs() : null, h.writtenAtMs(), Math.max(0, nowMs - h.writtenAtMs()),
            h.lastEventTsMs() > 0 ? h.lastEventTsMs() : null, Math.max(0, h.eventsTotal()), h.partitions()));
      }
      return new StreamProcessorView(!instances.isEmpty(), !instances.isEmpty() && allOk, nowMs,
          newest > 0 ? newest : null, newest > 0 ? Math.max(0, nowMs - newest) : null, instances);
    }
  }
}
