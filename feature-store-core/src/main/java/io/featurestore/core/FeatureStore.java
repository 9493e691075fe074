package io.featurestore.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis data model of the feature store: one hash per entity, batch fields under a
 * key-level EXPIRE, streaming fields each with their own TTL. Every module goes through
 * this class to touch Redis. Thread-safe: it holds a pooled client.
 *
 * <p>Reads use HMGET of named fields (never HGETALL, except {@link #inspect}); a batch read
 * is one pipelined round trip. Streaming writes set value and TTL atomically per entity.
 */
public final class FeatureStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStore.class);

  /** Chunk of a bulk load sent as one pipeline: bounded, so millions of rows never build one giant pipeline. */
  public static final int DEFAULT_CHUNK_SIZE = 1000;

  private final UnifiedJedis redis;
  private final FeatureRegistry registry;
  private final boolean ownsClient;
  private final LuaScript streamingWrite;
  private final LuaScript inspect;
  private final Heartbeats heartbeats;
  private static final long DATA_SET_CHECK_NANOS = 1_000_000_000L;
  private static final long DATA_SET_MARKER_TTL = 3600;
  /** Exists while the data set this store writes to does: see {@link #streamingServerResets()}. */
  private final String dataSetMarker = Heartbeats.META_PREFIX + "data-set-marker:" + java.util.UUID.randomUUID();
  private final AtomicLong lastDataSetCheck = new AtomicLong(System.nanoTime() - DATA_SET_CHECK_NANOS);
  private final AtomicLong dataSetLosses = new AtomicLong();
  private volatile boolean dataSetMarked;

  public FeatureStore(UnifiedJedis redis, FeatureRegistry registry) {
    this(redis, registry, false);
  }

  private FeatureStore(UnifiedJedis redis, FeatureRegistry registry, boolean ownsClient) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.ownsClient = ownsClient;
    this.streamingWrite = new LuaScript(redis, LuaScript.resource("streaming-write.lua"));
    this.inspect = new LuaScript(redis, LuaScript.resource("inspect.lua"));
    this.heartbeats = new Heartbeats(redis, registry);
  }

  /**
   * Connects with a pooled client, checks that the server is Redis >= 7.4, and fails with
   * a clear message otherwise.
   */
  public static FeatureStore connect(String redisUrl, FeatureRegistry registry) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setMinIdle(2);
    pool.setJmxEnabled(false);
    RedisClient client = RedisClient.builder().fromURI(redisUrl).poolConfig(pool).build();
    FeatureStore store = new FeatureStore(client, registry, true);
    try {
      store.checkServerVersion(redisUrl);
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  public FeatureRegistry registry() {
    return registry;
  }

  /** The stream processors' liveness signals, kept beside the entities. */
  public Heartbeats heartbeats() {
    return heartbeats;
  }

  /** The server's version; refuses one older than 7.4. */
  public RedisVersion checkServerVersion(String where) {
    RedisVersion version;
    try {
      version = RedisVersion.fromInfo(redis.info("server"));
    } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
      throw new FeatureStoreException("cannot reach Redis at " + where + ": " + rootMessage(e), e);
    }
    if (!version.supportsFieldTtl()) {
      throw new UnsupportedRedisException("Redis at " + where + " is version " + version
          + "; the feature store needs Redis >= " + RedisVersion.MINIMUM
          + " for per-field TTLs (HEXPIRE/HTTL). Run scripts/provide-redis.sh or use the redis:8 image.");
    }
    return version;
  }

  // ---------------------------------------------------------------- batch path

  /**
   * Writes each row's batch features (HSET) and sets the entity's key-level TTL (EXPIRE),
   * pipelined in chunks of {@code chunkSize} rows on {@code parallelism} connections.
   * Streaming fields and their TTLs are never touched. Rows are validated as they stream
   * by; files should be validated whole before calling this (see the materializer).
   *
   * @param progress told the number of rows written so far after each chunk
   */
  public BulkLoadResult bulkLoad(Iterator<EntityRow> rows, long ttlSeconds, int chunkSize, int parallelism,
      LongConsumer progress) {
    if (ttlSeconds <= 0) {
      throw new InvalidInputException("batch TTL must be > 0 seconds, not " + ttlSeconds);
    }
    if (chunkSize < 1 || parallelism < 1) {
      throw new IllegalArgumentException("chunkSize and parallelism must be >= 1");
    }
    long start = System.nanoTime();
    AtomicLong written = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "bulk-load");
      t.setDaemon(true);
      return t;
    });
    // At most two chunks per worker in flight: memory stays bounded whatever the input size.
    Semaphore inFlight = new Semaphore(parallelism * 2);
    List<Future<?>> pending = new ArrayList<>();
    try {
      while (rows.hasNext()) {
        List<EntityRow> chunk = new ArrayList<>(chunkSize);
        while (rows.hasNext() && chunk.size() < chunkSize) {
          EntityRow row = rows.next();
          requireBatchRow(row);
          chunk.add(row);
        }
        inFlight.acquire();
        pending.add(pool.submit(() -> {
          try {
            writeBatchChunk(chunk, ttlSeconds);
            progress.accept(written.addAndGet(chunk.size()));
          } finally {
            inFlight.release();
          }
          return null;
        }));
        failFast(pending);
      }
      for (Future<?> f : pending) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FeatureStoreException("bulk load interrupted after " + written.get() + " rows", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new FeatureStoreException("bulk load failed after " + written.get() + " rows: " + rootMessage(cause), cause);
    } finally {
      pool.shutdownNow();
    }
    return new BulkLoadResult(written.get(), Duration.ofNanos(System.nanoTime() - start));
  }

  /** Surfaces a failed chunk as soon as it is seen, and forgets the chunks that are done. */
  private static void failFast(List<Future<?>> pending) throws ExecutionException, InterruptedException {
    Iterator<Future<?>> it = pending.iterator();
    while (it.hasNext()) {
      Future<?> f = it.next();
      if (f.isDone()) {
        f.get();
        it.remove();
      }
    }
  }

  private void requireBatchRow(EntityRow row) {
    registry.requireValidEntityId(row.entityId());
    if (row.values().isEmpty()) {
      throw new InvalidInputException("row for '" + row.entityId() + "' has no features");
    }
    for (String field : row.values().keySet()) {
      FeatureDefinition f = registry.feature(field).orElse(null);
      if (f == null || f.source() != FeatureSource.BATCH) {
        throw new UnknownFeatureException("not a batch feature:", List.of(field), names(registry.features(FeatureSource.BATCH)));
      }
    }
  }

  private void writeBatchChunk(List<EntityRow> chunk, long ttlSeconds) {
    List<Response<Long>> hsets = new ArrayList<>(chunk.size());
    List<Response<Long>> expires = new ArrayList<>(chunk.size());
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (EntityRow row : chunk) {
        String key = registry.keyPrefix() + row.entityId();
        hsets.add(pipeline.hset(key, row.values()));
        expires.add(pipeline.expire(key, ttlSeconds));
      }
      pipeline.sync();
    }
    for (int i = 0; i < expires.size(); i++) {
      // Response.get() rethrows a per-command error with Redis' message. Only HSET can fail
      // with WRONGTYPE (EXPIRE applies to a key of any type), so its reply is read too.
      try {
        hsets.get(i).get();
      } catch (JedisDataException e) {
        throw new FeatureStoreException("HSET of " + registry.keyPrefix() + chunk.get(i).entityId() + " was rejected", e);
      }
      if (expires.get(i).get() != 1L) {
        throw new FeatureStoreException("EXPIRE did not apply to " + registry.keyPrefix() + chunk.get(i).entityId());
      }
    }
  }

  // ---------------------------------------------------------------- streaming path

  /** One entity's streaming write; see {@link #writeStreaming(List)}. */
  public List<WriteRejection> writeStreaming(StreamingUpdate update) {
    return writeStreaming(List.of(update));
  }

  /**
   * Writes absolute streaming values for many entities in one pipelined round trip. For
   * each entity, HSET of the fields, their expiry (HEXPIRE with the stream TTL, or HPEXPIREAT
   * for fields that keep a fixed expiry), and HDEL of the fields to remove run atomically (one
   * Lua script): a field is never left without a TTL, and every expiry status is checked. The
   * key-level TTL is never touched. Every update is validated before anything is sent.
   *
   * <p>One entity's refusal (a key of another type under the prefix, a script error for that
   * key) does not fail the others: it is returned, and every other write is applied.
   *
   * @return the entities whose writes Redis refused, with its reason; empty when all were applied
   * @throws InvalidInputException      for an unknown or non-streaming field, a bad id or value
   * @throws StoreUnavailableException  when Redis cannot be reached or cannot take writes now
   *                                    (some entities may have been written; the writes are absolute,
   *                                    so writing them all again is safe)
   */
  public List<WriteRejection> writeStreaming(List<StreamingUpdate> updates) {
    if (updates.isEmpty()) {
      return List.of();
    }
    String ttl = Long.toString(registry.streamTtlSeconds());
    List<List<String>> keys = new ArrayList<>(updates.size());
    List<List<String>> args = new ArrayList<>(updates.size());
    for (StreamingUpdate update : updates) {
      keys.add(List.of(registry.keyOf(update.entityId())));
      args.add(streamingArgs(update, ttl));
    }
    List<Object> results;
    try {
      results = streamingWrite.evalPipelined(keys, args);
    } catch (RuntimeException e) {
      if (RedisErrors.isUnavailable(e)) {
        throw new StoreUnavailableException("Redis unavailable for a streaming write of " + updates.size()
            + " entities: " + e.getMessage(), e);
      }
      throw e;
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

  /**
   * How many times this store found that Redis lost the data it had written (a restart without
   * persistence, a FLUSHALL, a failover to an empty replica). A writer that keeps the truth
   * elsewhere (the stream processor's state) writes everything live again when this number
   * moves. Checked at most once a second, with a marker key of this store's own under
   * {@code fs:meta:} that exists while the data set does; an unreachable Redis is not checked.
   */
  public long streamingServerResets() {
    long now = System.nanoTime();
    long last = lastDataSetCheck.get();
    if (now - last >= DATA_SET_CHECK_NANOS && lastDataSetCheck.compareAndSet(last, now)) {
      checkDataSet();
    }
    return dataSetLosses.get();
  }

  /** One check of the marker; see {@link #streamingServerResets()}. */
  void checkDataSet() {
    try {
      boolean created = "OK".equals(redis.set(dataSetMarker, "1", SetParams.setParams().nx().ex(DATA_SET_MARKER_TTL)));
      if (!created) {
        redis.expire(dataSetMarker, DATA_SET_MARKER_TTL);
      } else if (dataSetMarked) {
        long losses = dataSetLosses.incrementAndGet();
        LOG.warn("Redis lost its data set (marker {} was gone; loss {} seen by this process)", dataSetMarker, losses);
      }
      dataSetMarked = true;
    } catch (RuntimeException e) {
      if (!RedisErrors.isUnavailable(e)) {
        throw e;
      }
    }
  }

  String dataSetMarker() {
    return dataSetMarker;
  }

  private List<String> streamingArgs(StreamingUpdate update, String ttl) {
    List<String> args = new ArrayList<>(5 + (update.values().size() + update.expiring().size()) * 2
        + update.remove().size());
    args.add(ttl);
    args.add(Integer.toString(update.values().size()));
    addEncoded(args, update, update.values());
    args.add(Integer.toString(update.expiring().size()));
    args.add(Long.toString(update.expireAtMs()));
    addEncoded(args, update, update.expiring());
    for (String field : update.remove()) {
      if (update.values().containsKey(field) || update.expiring().containsKey(field)) {
        throw new InvalidInputException("feature '" + field + "' is both set and removed for '" + update.entityId() + "'");
      }
      args.add(requireStreamingFeature(field).name());
    }
    return args;
  }

  private void addEncoded(List<String> args, StreamingUpdate update, Map<String, ?> values) {
    for (Map.Entry<String, ?> e : values.entrySet()) {
      FeatureDefinition f = requireStreamingFeature(e.getKey());
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

  private FeatureDefinition requireStreamingFeature(String name) {
    FeatureDefinition f = registry.feature(name).orElse(null);
    if (f == null || f.source() != FeatureSource.STREAM) {
      throw new UnknownFeatureException("not a streaming feature:", List.of(name), names(registry.features(FeatureSource.STREAM)));
    }
    return f;
  }

  // ---------------------------------------------------------------- request path

  /**
   * Reads the named features of one entity with one HMGET. An entity whose requested
   * fields are all absent costs one EXISTS more, to tell "no such entity" from "none of
   * these fields". With {@code freshness}, HTTL and TTL ride in the same round trip.
   */
  public FeatureVector get(String entityId, List<String> featureNames, boolean freshness) {
    return getBatch(List.of(entityId), featureNames, freshness).get(0);
  }

  /**
   * Reads the named features of many entities in one pipelined round trip (plus one for
   * EXISTS when some entities have none of the fields). Results are in request order.
   */
  public List<FeatureVector> getBatch(List<String> entityIds, List<String> featureNames, boolean freshness) {
    List<FeatureDefinition> features = registry.resolve(featureNames);
    String[] fields = names(features).toArray(new String[0]);
    List<String> keys = new ArrayList<>(entityIds.size());
    for (String id : entityIds) {
      keys.add(registry.keyOf(id));
    }
    List<List<String>> values = new ArrayList<>(keys.size());
    List<List<Long>> fieldTtls = new ArrayList<>(freshness ? keys.size() : 0);
    List<Long> keyTtls = new ArrayList<>(freshness ? keys.size() : 0);
    if (keys.size() == 1 && !freshness) {
      values.add(redis.hmget(keys.get(0), fields));
    } else {
      List<Response<List<String>>> valueReplies = new ArrayList<>(keys.size());
      List<Response<List<Long>>> fieldTtlReplies = new ArrayList<>();
      List<Response<Long>> keyTtlReplies = new ArrayList<>();
      try (AbstractPipeline pipeline = redis.pipelined()) {
        for (String key : keys) {
          valueReplies.add(pipeline.hmget(key, fields));
          if (freshness) {
            fieldTtlReplies.add(pipeline.httl(key, fields));
            keyTtlReplies.add(pipeline.ttl(key));
          }
        }
        pipeline.sync();
      }
      valueReplies.forEach(r -> values.add(r.get()));
      fieldTtlReplies.forEach(r -> fieldTtls.add(r.get()));
      keyTtlReplies.forEach(r -> keyTtls.add(r.get()));
    }
    boolean[] exists = existsWhereAllMissing(keys, values, freshness ? keyTtls : null);
    List<FeatureVector> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      List<String> raw = values.get(i);
      List<Long> httl = freshness ? fieldTtls.get(i) : null;
      Map<String, Object> present = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      Map<String, Long> ttls = new LinkedHashMap<>();
      for (int f = 0; f < fields.length; f++) {
        String wire = raw.get(f);
        if (wire == null) {
          missing.add(fields[f]);
          continue;
        }
        present.put(fields[f], features.get(f).type().decode(wire));
        if (httl != null && httl.get(f) != null && httl.get(f) >= 0) {
          ttls.put(fields[f], httl.get(f));
        }
      }
      OptionalLong keyTtl = freshness && keyTtls.get(i) >= 0 ? OptionalLong.of(keyTtls.get(i)) : OptionalLong.empty();
      out.add(new FeatureVector(entityIds.get(i), !present.isEmpty() || exists[i], present, missing, ttls, keyTtl));
    }
    return out;
  }

  /** For entities with every requested field absent: does the hash exist at all? */
  private boolean[] existsWhereAllMissing(List<String> keys, List<List<String>> values, List<Long> keyTtls) {
    boolean[] exists = new boolean[keys.size()];
    List<Integer> unknown = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i).stream().allMatch(Objects::isNull)) {
        if (keyTtls != null) {
          exists[i] = keyTtls.get(i) != -2L; // TTL answers -2 for a missing key
        } else {
          unknown.add(i);
        }
      }
    }
    if (unknown.size() == 1) {
      int i = unknown.get(0);
      exists[i] = redis.exists(keys.get(i));
    } else if (!unknown.isEmpty()) {
      List<Response<Boolean>> answers = new ArrayList<>(unknown.size());
      try (AbstractPipeline pipeline = redis.pipelined()) {
        for (int i : unknown) {
          answers.add(pipeline.exists(keys.get(i)));
        }
        pipeline.sync();
      }
      for (int j = 0; j < unknown.size(); j++) {
        exists[unknown.get(j)] = answers.get(j).get();
      }
    }
    return exists;
  }

  /**
   * Every field of one entity with its TTL, and the key's TTL, in one round trip (a
   * read-only script running HGETALL, HTTL and TTL). For debugging, not the request path.
   */
  @SuppressWarnings("unchecked")
  public java.util.Optional<EntityInspection> inspect(String entityId) {
    String key = registry.keyOf(entityId);
    List<Object> reply = (List<Object>) inspect.eval(List.of(key), List.of());
    if (reply.isEmpty()) {
      return java.util.Optional.empty();
    }
    List<Object> flat = (List<Object>) reply.get(0);
    List<Object> ttls = (List<Object>) reply.get(1);
    long keyTtl = (Long) reply.get(2);
    Map<String, String> fields = new java.util.TreeMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      fields.put(text(flat.get(i)), text(flat.get(i + 1)));
    }
    Map<String, Long> ttlByField = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      ttlByField.put(text(flat.get(i)), (Long) ttls.get(i / 2));
    }
    // Registry order first, then fields the registry does not know (written by something else).
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, Long> orderedTtls = new LinkedHashMap<>();
    for (FeatureDefinition f : registry.features()) {
      String wire = fields.remove(f.name());
      if (wire != null) {
        values.put(f.name(), f.type().decode(wire));
        orderedTtls.put(f.name(), ttlByField.get(f.name()));
      }
    }
    for (Map.Entry<String, String> e : fields.entrySet()) {
      values.put(e.getKey(), e.getValue());
      orderedTtls.put(e.getKey(), ttlByField.get(e.getKey()));
    }
    return java.util.Optional.of(new EntityInspection(entityId, key, values, orderedTtls,
        keyTtl >= 0 ? OptionalLong.of(keyTtl) : OptionalLong.empty()));
  }

  // ---------------------------------------------------------------- administration

  /** Removes every entity under the prefix: SCAN + UNLINK in batches, never KEYS. */
  public long reset() {
    ScanParams params = new ScanParams().match(registry.scanPattern()).count(1000);
    String cursor = ScanParams.SCAN_POINTER_START;
    long removed = 0;
    do {
      ScanResult<String> page = redis.scan(cursor, params);
      if (!page.getResult().isEmpty()) {
        removed += redis.unlink(page.getResult().toArray(new String[0]));
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    LOG.info("reset removed {} entities under '{}'", removed, registry.keyPrefix());
    return removed;
  }

  /** Counts the entities under the prefix (SCAN) and samples the key TTL of a few; keys that are not entity ids are not counted. */
  public StoreStats stats(int sampleSize) {
    ScanParams params = new ScanParams().match(registry.scanPattern()).count(1000);
    String cursor = ScanParams.SCAN_POINTER_START;
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<String> sample = new ArrayList<>();
    do {
      ScanResult<String> page = redis.scan(cursor, params);
      for (String key : page.getResult()) {
        if (!registry.isValidEntityId(registry.entityIdOf(key))) {
          continue; // not an entity (a key somebody else wrote under the prefix)
        }
        if (seen.add(key) && sample.size() < sampleSize) {
          sample.add(key);
        }
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    Map<String, Long> ttls = new LinkedHashMap<>();
    if (!sample.isEmpty()) {
      List<Response<Long>> answers = new ArrayList<>();
      try (AbstractPipeline pipeline = redis.pipelined()) {
        for (String key : sample) {
          answers.add(pipeline.ttl(key));
        }
        pipeline.sync();
      }
      for (int i = 0; i < sample.size(); i++) {
        ttls.put(registry.entityIdOf(sample.get(i)), answers.get(i).get());
      }
    }
    return new StoreStats(seen.size(), ttls);
  }

  /** True when Redis answers PING. */
  public boolean ping() {
    try {
      return "PONG".equals(redis.ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (dataSetMarked) {
      try {
        redis.del(dataSetMarker);
      } catch (RuntimeException e) {
        LOG.debug("data-set marker {} not removed ({}); it expires by itself", dataSetMarker, e.getMessage());
      }
    }
    if (ownsClient) {
      redis.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static List<String> names(List<FeatureDefinition> features) {
    List<String> out = new ArrayList<>(features.size());
    for (FeatureDefinition f : features) {
      out.add(f.name());
    }
    return out;
  }

  private static String text(Object o) {
    return o instanceof byte[] ? new String((byte[]) o, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
  }

  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + root.getMessage() + ")";
  }

}
