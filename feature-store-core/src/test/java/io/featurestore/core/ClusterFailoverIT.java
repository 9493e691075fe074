package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.RedisCluster;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.junit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A master of a 3-master, 3-replica cluster killed (SIGKILL) while the store is read and written:
 * reads of the other masters' entities go on, reads that need the dead master fail as
 * unavailable (never as anything else), the store finds the promoted replica by itself, and no
 * acknowledged write is lost, streaming or batch.
 */
class ClusterFailoverIT {
  private static final FeatureRegistry REGISTRY = FeatureRegistry.bundled().withOverrides("failover:", 600, 600);
  private static final int ENTITIES = 60;

  private RedisCluster cluster;
  private FeatureStore store;

  @BeforeEach
  void start() {
    cluster = RedisCluster.start(3, 1);
    store = FeatureStore.connect(new RedisConnection("", RedisConnection.nodeList(cluster.seeds()), Optional.empty(),
        Optional.empty(), false, Optional.empty()), REGISTRY);
  }

  @AfterEach
  void stop() {
    store.close();
    cluster.close();
  }

  private static List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ENTITIES; i++) {
      ids.add("u" + i);
    }
    return ids;
  }

  private static int slotOf(String id) {
    return JedisClusterCRC16.getSlot(REGISTRY.keyOf(id));
  }

  @Test
  void shouldServeTheOtherMastersAndLoseNoAcknowledgedWriteWhenAMasterDies() throws Exception {
    List<String> ids = ids();
    List<EntityRow> rows = ids.stream().map(id -> new EntityRow(id, Map.of("risk_segment", "low"))).toList();
    store.bulkLoader().bulkLoad(rows.iterator(), 600, 16, 2, n -> { });

    RedisServer victim = cluster.masterOf(slotOf("u0"));
    String onVictim = "u0";
    String elsewhere = ids.stream().filter(id -> cluster.masterOf(slotOf(id)) != victim).findFirst().orElseThrow();

    // The writer: rounds of one streaming write of every entity, each retried until acknowledged, as the processor does.
    AtomicLong acknowledgedRound = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong writeRetries = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    Thread writer = new Thread(() -> {
      for (long round = 1; running.get(); round++) {
        List<StreamingUpdate> updates = new ArrayList<>();
        for (String id : ids) {
          updates.add(StreamingUpdate.set(id, Map.of("tx_count_5m", round)));
        }
        while (true) {
          try {
            assertThat(store.streamingWriter().writeStreaming(updates)).isEmpty();
            acknowledgedRound.set(round);
            break;
          } catch (StoreUnavailableException e) {
            writeRetries.incrementAndGet();
          } catch (Throwable e) {
            unexpected.add(e);
            return;
          }
        }
      }
    }, "writer");

    // The reader: the dead master's entity with another in one batch, and the other alone.
    AtomicBoolean outage = new AtomicBoolean();
    AtomicLong batchUnavailableInOutage = new AtomicLong();
    AtomicLong otherServedInOutage = new AtomicLong();
    Thread reader = new Thread(() -> {
      while (running.get()) {
        try {
          store.reader().getBatch(List.of(onVictim, elsewhere), List.of("risk_segment"), false);
        } catch (StoreUnavailableException e) {
          if (outage.get()) {
            batchUnavailableInOutage.incrementAndGet();
          }
        } catch (Throwable e) {
          unexpected.add(e);
          return;
        }
        try {
          assertThat(store.reader().get(elsewhere, List.of("risk_segment"), false).values()).containsEntry("risk_segment", "low");
          if (outage.get()) {
            otherServedInOutage.incrementAndGet();
          }
        } catch (Throwable e) {
          unexpected.add(e);
          return;
        }
      }
    }, "reader");
    writer.start();
    reader.start();

    Await.until("three acknowledged rounds before the kill", Duration.ofSeconds(60), () -> acknowledgedRound.get() >= 3);
    outage.set(true);
    victim.kill();
    Await.until("the reader to see the dead master unavailable and the others served", Duration.ofSeconds(60),
        () -> batchUnavailableInOutage.get() > 0 && otherServedInOutage.get() > 0 || !unexpected.isEmpty());
    assertThat(store.reader().checkServerVersion().supportsFieldTtl()).as("ready while the other masters answer").isTrue();
    cluster.awaitHealthy(Duration.ofSeconds(60));
    long afterFailover = acknowledgedRound.get();
    Await.until("three more acknowledged rounds after the failover", Duration.ofSeconds(60),
        () -> acknowledgedRound.get() >= afterFailover + 3 || !unexpected.isEmpty());
    outage.set(false);
    running.set(false);
    writer.join(30_000);
    reader.join(30_000);

    assertThat(unexpected).as("failures other than 'unavailable'").isEmpty();
    assertThat(writeRetries.get()).as("writes refused while the master was down, then retried").isPositive();
    long last = acknowledgedRound.get();
    List<FeatureVector> all = store.reader().getBatch(ids, List.of("risk_segment", "tx_count_5m"), false);
    assertThat(all).as("every entity has its batch row and the last acknowledged streaming value").allSatisfy(v -> {
      assertThat(v.values()).containsEntry("risk_segment", "low");
      assertThat(v.values()).containsEntry("tx_count_5m", last);
    });
    assertThat(cluster.masterOf(slotOf(onVictim))).as("a replica took the dead master's slots").isNotSameAs(victim);
  }
}
