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
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** {@link StoreAdmin} on one Redis: SCAN over the entity prefix, never KEYS. */
record RedisStoreAdmin(UnifiedJedis redis, FeatureRegistry registry) implements StoreAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStoreAdmin.class);

  @Override
  public long reset() {
    long[] removed = {0};
    scan("removing the entities under '" + registry.keyPrefix() + "'",
        page -> removed[0] += redis.unlink(page.toArray(new String[0])));
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
      List<Response<Long>> answers = new ArrayList<>();
      RedisErrors.call("sampling key TTLs", () -> {
        try (AbstractPipeline pipeline = redis.pipelined()) {
          sample.forEach(key -> answers.add(pipeline.ttl(key)));
          pipeline.sync();
        }
        return null;
      });
      for (int i = 0; i < sample.size(); i++) {
        ttls.put(registry.entityIdOf(sample.get(i)), answers.get(i).get());
      }
    }
    return new StoreStats(seen.size(), ttls);
  }

  /** Hands every non-empty SCAN page of keys under the prefix to {@code page}. */
  private void scan(String what, Consumer<List<String>> page) {
    ScanParams params = new ScanParams().match(registry.scanPattern()).count(1000);
    RedisErrors.call(what, () -> {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> result = redis.scan(cursor, params);
        if (!result.getResult().isEmpty()) {
          page.accept(result.getResult());
        }
        cursor = result.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
      return null;
    });
  }

  @Override
  public boolean ping() {
    try {
      return "PONG".equals(redis.ping());
    } catch (RuntimeException e) {
      return false;
    }
  }
}
