package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.RedisCluster;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.junit.RedisClusterExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The store's contract on a real 3-master Redis Cluster, and what only a cluster has: batches
 * grouped by node, and keys that move between nodes while they are read and written.
 */
@ExtendWith(RedisClusterExtension.class)
class ClusterFeatureStoreIT extends FeatureStoreContract {
  private final RedisCluster cluster;

  ClusterFeatureStoreIT(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Override
  RedisConnection connection() {
    return new RedisConnection("", RedisConnection.nodeList(cluster.seeds()), java.util.Optional.empty(),
        java.util.Optional.empty(), false, java.util.Optional.empty());
  }

  @Override
  UnifiedJedis rawClient() {
    Set<HostAndPort> seeds = new HashSet<>(connection().seeds());
    return RedisClusterClient.create(seeds);
  }

  @Override
  void flushScripts() {
    for (RedisServer node : cluster.nodes()) {
      try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
        jedis.scriptFlush();
      }
    }
  }

  @Override
  int masters() {
    return (int) java.util.Arrays.stream(cluster.mastersBySlot()).filter(java.util.Objects::nonNull).distinct().count();
  }

  @Test
  void shouldKeepTheDataSetMarkerOnEveryMaster() {
    store.streamingWriter().checkDataSet();
    List<String> markers = store.streamingWriter().dataSetMarkers();
    assertThat(markers.stream().map(marker -> cluster.masterOf(JedisClusterCRC16.getSlot(marker)).port()).distinct())
        .hasSize(masters());
    for (String marker : markers) {
      try (Jedis master = new Jedis("127.0.0.1", cluster.masterOf(JedisClusterCRC16.getSlot(marker)).port())) {
        assertThat(master.exists(marker)).as("%s on the master of its slot", marker).isTrue();
      }
    }
    markers.forEach(raw::del);
  }

  private static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("u" + i);
    }
    return ids;
  }

  private static long calls(Jedis node, String command) {
    String stats = node.info("commandstats");
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_" + command + ":")) {
        return Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(",")));
      }
    }
    return 0;
  }

  @Test
  void shouldReadA100EntityBatchWithOneHmgetPerEntityOnTheNodeThatHoldsIt() {
    List<String> ids = ids(100);
    load(ids.toArray(new String[0]));
    Map<Integer, Integer> expected = new HashMap<>();
    RedisServer[] masters = cluster.mastersBySlot();
    for (String id : ids) {
      expected.merge(masters[JedisClusterCRC16.getSlot(key(id))].port(), 1, Integer::sum);
    }
    assertThat(expected).as("the ids spread over every master").hasSize(3);
    Map<Integer, Long> before = new HashMap<>();
    for (int port : expected.keySet()) {
      try (Jedis node = new Jedis("127.0.0.1", port)) {
        before.put(port, calls(node, "hmget"));
      }
    }

    List<FeatureVector> batch = store.reader().getBatch(ids, List.of("country_iso", "tx_count_7d"), false);

    assertThat(batch).extracting(FeatureVector::entityId).containsExactlyElementsOf(ids);
    assertThat(batch).allSatisfy(v -> assertThat(v.values()).containsEntry("tx_count_7d", 14L));
    for (Map.Entry<Integer, Integer> node : expected.entrySet()) {
      try (Jedis jedis = new Jedis("127.0.0.1", node.getKey())) {
        assertThat(calls(jedis, "hmget") - before.get(node.getKey()))
            .as("HMGETs served by the node on port %d", node.getKey()).isEqualTo((long) node.getValue());
      }
    }
  }

  @Test
  void shouldReadEveryEntityOfEveryRowWithOneHmgetOnTheNodeThatHoldsIt() {
    List<String> users = ids(60);
    List<String> merchantIds = users.stream().map(u -> "m" + u.substring(1)).toList();
    load(users.toArray(new String[0]));
    withMerchants(merchants -> {
      loadMerchants(merchants, merchantIds.toArray(new String[0]));
      List<Map<String, String>> rows = new ArrayList<>();
      Map<Integer, Integer> expected = new HashMap<>();
      int split = 0;
      RedisServer[] masters = cluster.mastersBySlot();
      for (int i = 0; i < users.size(); i++) {
        rows.add(row(users.get(i), merchantIds.get(i)));
        int userNode = masters[JedisClusterCRC16.getSlot(key(users.get(i)))].port();
        int merchantNode = masters[JedisClusterCRC16.getSlot(merchantKey(merchantIds.get(i)))].port();
        expected.merge(userNode, 1, Integer::sum);
        expected.merge(merchantNode, 1, Integer::sum);
        split += userNode != merchantNode ? 1 : 0;
      }
      assertThat(expected).as("the keys spread over every master").hasSize(3);
      assertThat(split).as("rows whose user and merchant live on different nodes").isGreaterThan(10);
      Map<Integer, Long> hmgetsBefore = new HashMap<>();
      Map<Integer, Long> existsBefore = new HashMap<>();
      for (int port : expected.keySet()) {
        try (Jedis node = new Jedis("127.0.0.1", port)) {
          hmgetsBefore.put(port, calls(node, "hmget"));
          existsBefore.put(port, calls(node, "exists"));
        }
      }

      List<Map<String, FeatureVector>> read = store.reader().getRows(rows, ACROSS, false);

      for (int i = 0; i < rows.size(); i++) {
        assertThat(read.get(i).get("user").entityId()).isEqualTo(users.get(i));
        assertThat(read.get(i).get("user").values()).containsEntry("risk_segment", "low");
        assertThat(read.get(i).get("merchant").entityId()).isEqualTo(merchantIds.get(i));
        assertThat(read.get(i).get("merchant").values()).containsEntry("merchant_category", "grocery");
      }
      for (Map.Entry<Integer, Integer> node : expected.entrySet()) {
        try (Jedis jedis = new Jedis("127.0.0.1", node.getKey())) {
          assertThat(calls(jedis, "hmget") - hmgetsBefore.get(node.getKey()))
              .as("HMGETs served by the node on port %d", node.getKey()).isEqualTo((long) node.getValue());
          assertThat(calls(jedis, "exists") - existsBefore.get(node.getKey()))
              .as("no EXISTS when every hash has a requested field").isZero();
        }
      }
    });
  }

  @Test
  void shouldFollowKeysThatMoveToAnotherNodeWhileTheyAreRead() {
    load("u1", "u2", "u3");
    String moving = key("u1");
    int slot = JedisClusterCRC16.getSlot(moving);
    RedisServer source = cluster.masterOf(slot);
    RedisServer target = cluster.nodes().stream().filter(n -> n != source)
        .filter(n -> cluster.cli(n.port(), "role").startsWith("master")).findFirst().orElseThrow();
    String sourceId = cluster.cli(source.port(), "cluster", "myid").trim();
    String targetId = cluster.cli(target.port(), "cluster", "myid").trim();

    // Half way through a resharding: the slot is migrating and its key already lives on the target (ASK).
    cluster.cli(target.port(), "cluster", "setslot", Integer.toString(slot), "importing", sourceId);
    cluster.cli(source.port(), "cluster", "setslot", Integer.toString(slot), "migrating", targetId);
    cluster.cli(source.port(), "migrate", "127.0.0.1", Integer.toString(target.port()), moving, "0", "5000");
    assertBatchReadsAndWrites();

    // The resharding is done: every node says the slot is the target's (MOVED for the old view).
    for (RedisServer node : cluster.nodes()) {
      cluster.cli(node.port(), "cluster", "setslot", Integer.toString(slot), "node", targetId);
    }
    assertBatchReadsAndWrites();
    assertThat(cluster.masterOf(slot)).isSameAs(target);
  }

  private void assertBatchReadsAndWrites() {
    store.streamingWriter().writeStreaming(List.of(StreamingUpdate.set("u1", Map.of("tx_count_5m", 7L)),
        StreamingUpdate.set("u2", Map.of("tx_count_5m", 8L))));
    List<FeatureVector> batch = store.reader().getBatch(List.of("u1", "u2", "u3"), List.of("country_iso", "tx_count_5m"), true);
    assertThat(batch).extracting(v -> v.values().get("country_iso")).containsExactly("DE", "DE", "DE");
    assertThat(batch.get(0).values()).containsEntry("tx_count_5m", 7L);
    assertThat(batch.get(1).values()).containsEntry("tx_count_5m", 8L);
    assertThat(store.reader().get("u1", List.of("tx_count_5m"), false).values()).containsEntry("tx_count_5m", 7L);
  }
}
