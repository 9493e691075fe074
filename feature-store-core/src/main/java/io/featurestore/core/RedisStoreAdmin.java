package io.featurestore.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** {@link StoreAdmin} on a {@link Keyspace}: SCAN over the entity prefix on every master, never KEYS. */
record RedisStoreAdmin(Keyspace keyspace, FeatureRegistry registry) implements StoreAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStoreAdmin.class);

  @Override
  public long reset() {
    long[] removed = {0};
    scan("removing the entities under '" + registry.keyPrefix() + "'", page -> {
      // One UNLINK per key: the keys of one page may lie in different slots of a cluster node.
      for (Long n : keyspace.pipelined(page, (pipeline, key, i) -> pipeline.unlink(key)::get)) {
        removed[0] += n;
      }
    });
    LOG.info("reset removed {} entities under '{}'", removed[0], registry.keyPrefix());
    return removed[0];
  }

  @Override
  public StoreStats stats(int sampleSize) {
    Set<String> seen = new HashSet<>();
    List<String> sample = new ArrayList<>();
    scan("counting the entities under '" + registry.keyPrefix() + "'", page -> {
      for (String key : page) {
        if (registry.isValidEntityId(registry.entityIdOf(key)) && seen.add(key) && sample.size() < sampleSize) {
          sample.add(key);
        }
      }
    });
    Map<String, Long> ttls = new LinkedHashMap<>();
    if (!sample.isEmpty()) {
      List<Long> answers = RedisErrors.call("sampling key TTLs",
          () -> keyspace.pipelined(sample, (pipeline, key, i) -> pipeline.ttl(key)::get));
      for (int i = 0; i < sample.size(); i++) {
        ttls.put(registry.entityIdOf(sample.get(i)), answers.get(i));
      }
    }
    return new StoreStats(seen.size(), ttls);
  }

  /** Hands every non-empty SCAN page of keys under the prefix, of every master, to {@code page}. */
  private void scan(String what, Consumer<List<String>> page) {
    ScanParams params = new ScanParams().match(registry.scanPattern()).count(1000);
    RedisErrors.call(what + " at " + keyspace.where(), () -> keyspace.onEveryMaster(node -> {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> result = node.scan(cursor, params);
        if (!result.getResult().isEmpty()) {
          page.accept(result.getResult());
        }
        cursor = result.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
      return cursor;
    }));
  }

  @Override
  public boolean ping() {
    try {
      return keyspace.onEveryMaster(node -> node.ping()).stream().allMatch("PONG"::equals);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
