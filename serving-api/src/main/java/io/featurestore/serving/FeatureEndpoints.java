package io.featurestore.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.featurestore.core.EntityInspection;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureReader;
import io.featurestore.core.FeatureVector;
import io.featurestore.core.Heartbeat;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StoreRejectedException;
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
  private final RowSelection rowSelection;
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
    this.rowSelection = new RowSelection(registry);
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

    metrics.recordRead(registry.entityName(), vector);
    ctx.header(SERVER_TIMING, timing(storeNanos));
    if (vector.unreadableKey()) {
      throw new StoreRejectedException(vector.error().get(), null); // the one entity asked for: 500, as any rejected read
    }
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
    BatchRequest request = BatchRequest.parse(json.read(ctx.bodyAsBytes()), registry, rowSelection, maxBatch);
    if (request.rows() != null) {
      readRows(ctx, request);
      return;
    }
    List<String> features = selection.select(request.features(), request.service());

    long start = System.nanoTime();
    List<FeatureVector> vectors = reader.getBatch(request.entityIds(), features, request.freshness());
    long storeNanos = System.nanoTime() - start;

    metrics.recordBatchSize(vectors.size());
    List<FeatureResult> results = new ArrayList<>(vectors.size());
    for (FeatureVector vector : vectors) {
      metrics.recordRead(registry.entityName(), vector);
      results.add(FeatureResult.of(vector, request.freshness()));
    }
    ctx.header(SERVER_TIMING, timing(storeNanos));
    json.send(ctx, 200, new FeatureResult.Batch(results));
  }

  /** Batch rows: every entity of every row in one pipelined round trip per node. */
  private void readRows(Context ctx, BatchRequest request) {
    RowSelection.Selected selected = rowSelection.select(request.features(), request.service());
    List<Map<String, String>> rows = request.rows();
    for (int i = 0; i < rows.size(); i++) {
      rowSelection.checkRow(rows.get(i), selected, "rows[" + i + "]");
    }

    long start = System.nanoTime();
    List<Map<String, FeatureVector>> read = reader.getRows(rows, selected.features(), request.freshness());
    long storeNanos = System.nanoTime() - start;

    metrics.recordBatchSize(read.size());
    List<FeatureResult.Row> results = new ArrayList<>(read.size());
    for (Map<String, FeatureVector> row : read) {
      row.forEach(metrics::recordRead);
      results.add(FeatureResult.Row.of(row, request.freshness()));
    }
    ctx.header(SERVER_TIMING, timing(storeNanos));
    json.send(ctx, 200, new FeatureResult.RowBatch(results));
  }

  /**
   * GET /v1/features?user=ID&merchant=ID&service=NAME | features=user.a,merchant.b [&freshness=true]:
   * one row across entities; 200 with {@code found} per entity, whether or not any exists.
   */
  void readRow(Context ctx) {
    Map<String, String> ids = new LinkedHashMap<>(4);
    List<String> features = null;
    String service = null;
    boolean freshness = false;
    for (Map.Entry<String, List<String>> param : ctx.queryParamMap().entrySet()) {
      String name = param.getKey();
      List<String> values = param.getValue();
      switch (name) {
        case "features" -> features = FeatureSelection.splitQuery(values);
        case "service" -> service = single(name, values);
        case "freshness" -> freshness = FeatureSelection.freshness(single(name, values));
        default -> {
          if (!rowSelection.entityNames().contains(name)) {
            throw new InvalidInputException("unknown parameter '" + FeatureSelection.abbreviate(name) + "'; allowed: "
                + String.join(", ", rowSelection.entityNames()) + " (an id of that entity), features, service, freshness");
          }
          ids.put(name, rowSelection.requireValidId(name, single(name, values), null));
        }
      }
    }
    RowSelection.Selected selected = rowSelection.select(features, service);
    rowSelection.checkRow(ids, selected, null);

    long start = System.nanoTime();
    Map<String, FeatureVector> row = reader.getRows(List.of(ids), selected.features(), freshness).get(0);
    long storeNanos = System.nanoTime() - start;

    row.forEach(metrics::recordRead);
    ctx.header(SERVER_TIMING, timing(storeNanos));
    json.send(ctx, 200, FeatureResult.Row.of(row, freshness));
  }

  private static String single(String name, List<String> values) {
    if (values.size() != 1) {
      throw new InvalidInputException("'" + name + "' is given " + values.size() + " times; give it once");
    }
    return values.get(0);
  }

  /**
   * GET /v1/entities/{entity_id}[?entity=merchant]: every field with its TTL; HGETALL, for
   * debugging only. Without {@code entity}, the first entity (user).
   */
  void inspect(Context ctx) {
    String entity = ctx.queryParam("entity");
    if (entity != null && !rowSelection.entityNames().contains(entity)) {
      throw new InvalidInputException("entity: " + rowSelection.unknownEntity(entity));
    }
    FeatureRegistry view = entity == null ? registry : rowSelection.view(entity);
    String entityId = view.requireValidEntityId(ctx.pathParam(ENTITY_ID));
    long start = System.nanoTime();
    EntityInspection inspection = (entity == null ? reader.inspect(entityId) : reader.inspect(entity, entityId))
        .orElseThrow(() -> new ApiErrors.EntityNotFoundException(view.entityName(), entityId));
    ctx.header(SERVER_TIMING, timing(System.nanoTime() - start));
    json.send(ctx, 200, InspectionView.of(inspection, view));
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

  /**
   * The registry as clients need it: the first entity (what the single-entity routes read), its
   * id rule, features with types and sources and services; limits; then {@code entities}, every
   * entity with the same, and {@code all_services}, every service with its entities and its
   * members as {@code entity.feature}, across entities too.
   */
  record RegistryView(String entity, String keyPrefix, String idPattern, long batchTtlSeconds, long streamTtlSeconds,
      int maxBatch, List<Map<String, String>> features, Map<String, Map<String, Object>> services,
      List<EntityView> entities, Map<String, Map<String, Object>> allServices) {

    record EntityView(String name, String keyPrefix, String idPattern, List<Map<String, String>> features,
        List<String> services) {
    }

    static RegistryView of(FeatureRegistry registry, int maxBatch) {
      List<EntityView> entities = new ArrayList<>();
      for (String entity : registry.entityNames()) {
        FeatureRegistry view = registry.forEntity(entity);
        entities.add(new EntityView(entity, view.keyPrefix(), view.idPattern(), features(view),
            List.copyOf(view.services().keySet())));
      }
      Map<String, Map<String, Object>> services = new LinkedHashMap<>();
      registry.services().forEach((name, service) -> {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("description", service.description());
        view.put("features", service.features());
        services.put(name, view);
      });
      Map<String, Map<String, Object>> allServices = new LinkedHashMap<>();
      registry.allServices().forEach((name, service) -> {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("description", service.description());
        view.put("entities", List.copyOf(service.entities()));
        view.put("features", service.members().stream().map(Object::toString).toList());
        allServices.put(name, view);
      });
      return new RegistryView(registry.entityName(), registry.keyPrefix(), registry.idPattern(),
          registry.batchTtlSeconds(), registry.streamTtlSeconds(), maxBatch, features(registry), services, entities,
          allServices);
    }

    private static List<Map<String, String>> features(FeatureRegistry view) {
      List<Map<String, String>> features = new ArrayList<>();
      for (FeatureDefinition f : view.features()) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("name", f.name());
        out.put("type", f.type().registryName());
        out.put("source", f.source().name().toLowerCase(Locale.ROOT));
        out.put("description", f.description());
        features.add(out);
      }
      return features;
    }
  }

  /**
   * Everything stored for one entity: typed values (raw strings for fields the registry does
   * not know), the TTL of each field that has one, the key TTL, and the registry's features
   * that are absent; in a hash of more than {@link EntityInspection#MAX_FIELDS_SHOWN} fields, only
   * the registry's features, and how many fields are not shown.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record InspectionView(String entityId, String key, Map<String, Object> features, Map<String, Long> ttlSeconds,
      Long keyTtlSeconds, List<String> missing, List<String> unknownFields, Long fieldsNotShown) {

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
          inspection.keyTtlSeconds().isPresent() ? inspection.keyTtlSeconds().getAsLong() : null, missing, unknown,
          inspection.fieldsNotShown() > 0 ? inspection.fieldsNotShown() : null);
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
