package io.featurestore.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.args.RawableFactory;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * {@link BulkLoader} on a {@link Keyspace}: HSET + EXPIRE per row, pipelined in bounded chunks
 * (one pipeline per node a chunk touches), every reply checked.
 *
 * <p>The commands are built from arguments encoded once where they can be: the batch features'
 * names when the loader is made, the TTL once per load, a key once for both of its commands. A
 * load of a million rows runs mostly in a JVM that has just started, so the client's work per row
 * (and the JIT's work on it) competes with redis-server for the machine's cores.
 */
final class RedisBulkLoader implements BulkLoader {
  private final Keyspace keyspace;
  private final FeatureRegistry registry;
  /** Each batch feature's name, encoded for the wire. */
  private final Map<String, Rawable> fieldNames;

  RedisBulkLoader(Keyspace keyspace, FeatureRegistry registry) {
    this.keyspace = keyspace;
    this.registry = registry;
    this.fieldNames = registry.features(FeatureSource.BATCH).stream()
        .collect(java.util.stream.Collectors.toUnmodifiableMap(FeatureDefinition::name, f -> RawableFactory.from(f.name())));
  }

  @Override
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
        List<String> keys = new ArrayList<>(chunkSize);
        while (rows.hasNext() && chunk.size() < chunkSize) {
          EntityRow row = rows.next();
          keys.add(requireBatchRow(row));
          chunk.add(row);
        }
        inFlight.acquire();
        pending.add(pool.submit(() -> {
          try {
            RedisErrors.call("writing " + chunk.size() + " rows", () -> writeChunk(chunk, keys, ttlSeconds));
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
      String message = "bulk load failed after " + written.get() + " rows: " + FeatureStoreException.withRootCause(cause);
      throw cause instanceof StoreUnavailableException ? new StoreUnavailableException(message, cause)
          : cause instanceof StoreRejectedException ? new StoreRejectedException(message, cause)
          : new FeatureStoreException(message, cause);
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

  /** Validates one row; returns its key. */
  private String requireBatchRow(EntityRow row) {
    String key = registry.keyOf(row.entityId());
    if (row.values().isEmpty()) {
      throw new InvalidInputException("row for '" + row.entityId() + "' has no features");
    }
    for (String field : row.values().keySet()) {
      if (!fieldNames.containsKey(field)) {
        throw new UnknownFeatureException("not a batch feature:", List.of(field),
            RedisFeatureStore.names(registry.features(FeatureSource.BATCH)));
      }
    }
    return key;
  }

  private Void writeChunk(List<EntityRow> chunk, List<String> keys, long ttlSeconds) {
    Rawable ttl = RawableFactory.from(ttlSeconds);
    keyspace.pipelined(keys, (pipeline, key, i) -> {
      Rawable rawKey = RawableFactory.from(key);
      CommandArguments hsetArgs = new CommandArguments(Protocol.Command.HSET).key(rawKey);
      // Every name is a batch feature's: requireBatchRow checked the row before it was queued.
      chunk.get(i).values().forEach((name, value) -> hsetArgs.add(fieldNames.get(name)).add(RawableFactory.from(value)));
      Response<Long> hset = pipeline.executeCommand(new CommandObject<>(hsetArgs, BuilderFactory.LONG));
      Response<Long> expire = pipeline.executeCommand(new CommandObject<>(
          new CommandArguments(Protocol.Command.EXPIRE).key(rawKey).add(ttl), BuilderFactory.LONG));
      return () -> {
        // Response.get() rethrows a per-command error with Redis' message. Only HSET can fail
        // with WRONGTYPE (EXPIRE applies to a key of any type), so its reply is read too.
        try {
          hset.get();
        } catch (JedisRedirectionException e) {
          throw e;
        } catch (JedisDataException e) {
          throw RedisErrors.translate(e, "HSET of " + key);
        }
        if (expire.get() != 1L) {
          throw new FeatureStoreException("EXPIRE did not apply to " + key);
        }
        return null;
      };
    }, true);
    return null;
  }
}
