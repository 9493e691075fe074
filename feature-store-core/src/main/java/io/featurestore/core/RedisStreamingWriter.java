package io.featurestore.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * {@link StreamingWriter} on a {@link Keyspace}. For each entity one Lua script runs HSET of the fields,
 * HEXPIRE with the stream TTL (or HPEXPIREAT for fields that keep a fixed expiry) and HDEL of the
 * fields to remove, and checks every expiry status.
 */
final class RedisStreamingWriter implements StreamingWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStreamingWriter.class);
  private static final long DATA_SET_CHECK_NANOS = 1_000_000_000L;
  private static final long DATA_SET_MARKER_TTL = 3600;

  private final Keyspace keyspace;
  private final UnifiedJedis redis;
  private final FeatureRegistry registry;
  private final LuaScript streamingWrite;
  private final Map<String, FeatureRegistry> entityViews = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * This writer's marker, one key on every master ({@link Keyspace#keysOnEveryMaster}): each exists
   * while that master's data set does; see {@link #streamingServerResets()}.
   */
  private final String dataSetMarker = Heartbeat.META_PREFIX + "data-set-marker:" + java.util.UUID.randomUUID();
  private final AtomicLong lastDataSetCheck = new AtomicLong(System.nanoTime() - DATA_SET_CHECK_NANOS);
  private final AtomicLong dataSetLosses = new AtomicLong();
  /** The marker keys this writer has set: one gone since is a lost data set. */
  private final java.util.Set<String> marked = java.util.concurrent.ConcurrentHashMap.newKeySet();

  RedisStreamingWriter(Keyspace keyspace, FeatureRegistry registry) {
    this.keyspace = keyspace;
    this.redis = keyspace.redis();
    this.registry = registry;
    this.streamingWrite = new LuaScript(keyspace, LuaScript.resource("streaming-write.lua"));
  }

  @Override
  public List<WriteRejection> writeStreaming(List<StreamingUpdate> updates) {
    if (updates.isEmpty()) {
      return List.of();
    }
    String ttl = Long.toString(registry.streamTtlSeconds());
    List<List<String>> keys = new ArrayList<>(updates.size());
    List<List<String>> args = new ArrayList<>(updates.size());
    for (StreamingUpdate update : updates) {
      FeatureRegistry entity = entityView(update);
      keys.add(List.of(entity.keyOf(update.entityId())));
      args.add(streamingArgs(entity, update, ttl));
    }
    List<Object> results;
    try {
      results = streamingWrite.evalPipelined(keys, args);
    } catch (RuntimeException e) {
      String what = "a streaming write of " + updates.size() + " entities";
      throw RedisErrors.translate(e, RedisErrors.isUnavailable(e) ? "Redis unavailable for " + what : what + " to " + keyspace.where());
    }
    List<WriteRejection> rejected = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i) instanceof Exception error) {
        if (RedisErrors.isUnavailable(error)) {
          throw new StoreUnavailableException("Redis cannot take the streaming write for '" + updates.get(i).entityId()
              + "' now: " + error.getMessage(), error);
        }
        rejected.add(new WriteRejection(updates.get(i).entityId(), keys.get(i).get(0), String.valueOf(error.getMessage())));
      }
    }
    return rejected;
  }

  /** Checked at most once a second, with a marker key of this writer's own under {@code fs:meta:}. */
  @Override
  public long streamingServerResets() {
    long now = System.nanoTime();
    long last = lastDataSetCheck.get();
    if (now - last >= DATA_SET_CHECK_NANOS && lastDataSetCheck.compareAndSet(last, now)) {
      checkDataSet();
    }
    return dataSetLosses.get();
  }

  /**
   * One check of the markers: each is set again with a fresh TTL ({@code SET … GET}, one pipeline
   * per master), and one that this writer had set but that was gone is a loss (a master restarted
   * without its data, or FLUSHALL). A marker new to this writer (the first check, a master that took
   * other slots) is only set. An unreachable Redis is not checked.
   */
  void checkDataSet() {
    try {
      List<String> markers = dataSetMarkers();
      List<Object> previous = keyspace.pipelined(markers, (pipeline, key, i) -> {
        Response<String> old = pipeline.setGet(key, "1", SetParams.setParams().ex(DATA_SET_MARKER_TTL));
        return () -> Keyspace.replyOrError(old);
      });
      List<String> gone = new ArrayList<>();
      for (int i = 0; i < markers.size(); i++) {
        if (previous.get(i) instanceof RuntimeException error) {
          throw error;
        }
        if (previous.get(i) == null && !marked.add(markers.get(i))) {
          gone.add(markers.get(i));
        }
      }
      if (!gone.isEmpty()) {
        long losses = dataSetLosses.incrementAndGet();
        LOG.warn("Redis lost its data set (marker {} was gone; loss {} seen by this process)", String.join(", ", gone), losses);
      }
    } catch (RuntimeException e) {
      if (!RedisErrors.isUnavailable(e)) {
        throw RedisErrors.translate(e, "checking the data-set marker");
      }
    }
  }

  /** The marker's keys, one per master. */
  List<String> dataSetMarkers() {
    return keyspace.keysOnEveryMaster(dataSetMarker);
  }

  @Override
  public void writeHeartbeat(Heartbeat heartbeat, long ttlSeconds) {
    // The streaming-write script: value and TTL set atomically, so a heartbeat never outlives its TTL.
    RedisErrors.call("writing the heartbeat of " + heartbeat.instanceId(), () -> streamingWrite.eval(
        List.of(Heartbeat.keyFor(registry)), List.of(Long.toString(ttlSeconds), "1", heartbeat.instanceId(), heartbeat.encode())));
  }

  @Override
  public void removeHeartbeat(String instanceId) {
    RedisErrors.call("removing the heartbeat of " + instanceId, () -> redis.hdel(Heartbeat.keyFor(registry), instanceId));
  }

  void close() {
    for (String marker : marked) {
      try {
        redis.del(marker);
      } catch (RuntimeException e) {
        LOG.debug("data-set marker {} not removed ({}); it expires by itself", marker, e.getMessage());
      }
    }
  }

  /** The single-entity view of the update's entity (the registry's first when it names none). */
  private FeatureRegistry entityView(StreamingUpdate update) {
    if (update.entity() == null) {
      return registry;
    }
    FeatureRegistry view = entityViews.get(update.entity());
    if (view == null) {
      if (registry.entity(update.entity()).isEmpty()) {
        throw new InvalidInputException("unknown entity '" + update.entity() + "' for '" + update.entityId()
            + "'; the registry declares: " + String.join(", ", registry.entityNames()));
      }
      view = entityViews.computeIfAbsent(update.entity(), registry::forEntity);
    }
    return view;
  }

  private List<String> streamingArgs(FeatureRegistry entity, StreamingUpdate update, String ttl) {
    List<String> args = new ArrayList<>(5 + (update.values().size() + update.expiring().size()) * 2
        + update.remove().size());
    args.add(ttl);
    args.add(Integer.toString(update.values().size()));
    addEncoded(args, entity, update, update.values());
    args.add(Integer.toString(update.expiring().size()));
    args.add(Long.toString(update.expireAtMs()));
    addEncoded(args, entity, update, update.expiring());
    for (String field : update.remove()) {
      if (update.values().containsKey(field) || update.expiring().containsKey(field)) {
        throw new InvalidInputException("feature '" + field + "' is both set and removed for '" + update.entityId() + "'");
      }
      args.add(requireStreamingFeature(entity, field).name());
    }
    return args;
  }

  private void addEncoded(List<String> args, FeatureRegistry entity, StreamingUpdate update, Map<String, ?> values) {
    for (Map.Entry<String, ?> e : values.entrySet()) {
      FeatureDefinition f = requireStreamingFeature(entity, e.getKey());
      if (values != update.values() && update.values().containsKey(f.name())) {
        throw new InvalidInputException("feature '" + f.name() + "' of '" + update.entityId()
            + "' is set twice (with the stream TTL and with a fixed expiry)");
      }
      args.add(f.name());
      try {
        args.add(f.type().encode(e.getValue()));
      } catch (IllegalArgumentException ex) {
        throw new InvalidInputException("feature '" + f.name() + "' of '" + update.entityId() + "': " + ex.getMessage());
      }
    }
  }

  private static FeatureDefinition requireStreamingFeature(FeatureRegistry entity, String name) {
    FeatureDefinition f = entity.feature(name).orElse(null);
    if (f == null || f.source() != FeatureSource.STREAM) {
      throw new UnknownFeatureException("not a streaming feature of " + entity.entityName() + ":", List.of(name),
          RedisFeatureStore.names(entity.features(FeatureSource.STREAM)));
    }
    return f;
  }
}
