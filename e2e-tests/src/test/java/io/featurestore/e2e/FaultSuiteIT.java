package io.featurestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite (docs/RELIABILITY.md): the streaming path as separate processes (broker,
 * Redis, stream processor, event simulator at 5,000 events/s for 20,000 users), one fault per
 * scenario mid-stream, then every user's {@code tx_count_5m}, {@code failed_logins_15m} and
 * {@code last_login_ts} in Redis against a reference computed from the events the input topics
 * actually hold, at a quiet moment: 0 lost, 0 counted twice. Each scenario prints its row of
 * the table, and the whole table is printed at the end.
 *
 * <p>Run it alone: {@code mvn -q install -DskipTests && mvn verify -pl e2e-tests -Dit.test=FaultSuiteIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
  static final int USERS = 20_000;
  static final double RATE = 5_000;
  /** Input records the processor has committed, at most one second behind the stream, when the fault strikes. */
  static final long BEFORE_FAULT = 25_000;
  /** Records produced after recovery before the simulator is stopped. */
  static final long AFTER_RECOVERY = 25_000;
  static final Duration REDIS_OUTAGE = Duration.ofSeconds(10);
  /** Shorter than the stream TTL (300 s), so every last_login_ts of the run is still live when compared. */
  static final Duration MAX_SCENARIO = Duration.ofSeconds(270);
  /**
   * Default {@code empty}: Redis restarts without its data set, as {@code ./stack} and
   * docker-compose run it, and the processor must write every live user again;
   * {@code -Dfs.faults.redis=kept}: Redis restarts from its append-only file (docs/RELIABILITY.md).
   */
  static final boolean REDIS_KEEPS_DATA = !"empty".equals(System.getProperty("fs.faults.redis", "empty"));

  private static final List<Row> ROWS = new ArrayList<>();

  @TempDir
  Path dataDir;

  @FunctionalInterface
  interface Fault {
    void strike(FaultPipeline pipeline) throws Exception;
  }

  @Test
  @Order(1)
  void shouldCountEveryEventOnceWhenTheProcessorIsKilledMidStream() throws Exception {
    run("processor-kill", "kill -9 of the processor, restarted at once", pipeline -> {
      pipeline.killProcessor();
      pipeline.launchProcessor();
    });
  }

  @Test
  @Order(2)
  void shouldCountEveryEventOnceWhenRedisIsDownForTenSeconds() throws Exception {
    run("redis-outage", "Redis stopped 10 s, restarted " + (REDIS_KEEPS_DATA ? "with its data (AOF)" : "empty"),
        pipeline -> {
          pipeline.stopRedis();
          Thread.sleep(REDIS_OUTAGE.toMillis()); // the fault itself
          pipeline.startRedis();
        });
  }

  @Test
  @Order(3)
  void shouldCountEveryEventOnceWhenTheBrokerRestartsMidStream() throws Exception {
    run("broker-restart", "broker stopped (SIGTERM) and started again", pipeline -> {
      pipeline.stopBroker();
      pipeline.startBroker();
    });
  }

  private void run(String name, String fault, Fault action) throws Exception {
    long started = System.nanoTime();
    try (FaultPipeline pipeline = new FaultPipeline(name, dataDir.resolve(name), REDIS_KEEPS_DATA)) {
      pipeline.startBroker();
      pipeline.startRedis();
      pipeline.launchProcessor();
      pipeline.awaitProcessorRunning(Duration.ofSeconds(120));
      pipeline.startSimulator(USERS, RATE);
      pipeline.note("simulator producing");
      pipeline.awaitProcessed(BEFORE_FAULT, Duration.ofSeconds(120));
      // Strike a processor in its steady state, not one still warming up behind the stream.
      pipeline.awaitLagBelow((long) RATE, Duration.ofSeconds(120));

      pipeline.note("fault: " + fault);
      long faultStart = System.nanoTime();
      action.strike(pipeline);
      long faultEnd = System.nanoTime();
      pipeline.note("fault over");
      long served = pipeline.probeEveryPartition(Duration.ofSeconds(120));
      pipeline.note("fresh events on every partition served");

      String summary = pipeline.stopSimulatorAfter(AFTER_RECOVERY, Duration.ofSeconds(60));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("scenario time: beyond it the first last_login_ts "
          + "fields could have expired (stream TTL 300 s), which the reference does not model").isLessThan(MAX_SCENARIO);

      InputEvents input = pipeline.readInput();
      Comparison comparison = pipeline.compareUsers(input, USERS, true);
      Comparison merchants = pipeline.compareMerchants(input);
      long deadLetters = pipeline.deadLetters();

      Row row = new Row(name, fault, input.records(), FaultPipeline.acknowledged(summary), comparison, merchants,
          Duration.ofNanos(faultEnd - faultStart), Duration.ofNanos(served - faultStart));
      ROWS.add(row);
      System.out.println(table(List.of(row)));

      String context = name + ": " + comparison.examples() + "; simulator: " + summary + pipeline.diagnostics();
      assertThat(comparison.mismatched()).as("users whose features differ from the reference; " + context).isZero();
      assertThat(merchants.mismatched()).as("merchants whose count differs from the reference; " + name + ": "
          + merchants.examples()).isZero();
      assertThat(merchants.users()).as("merchants seen in the input").isPositive();
      assertThat(deadLetters).as("dead letters (the simulator sends only valid events)").isEqualTo(input.unusable());
      assertThat(FaultPipeline.unacknowledged(summary)).as("events the simulator could not deliver: " + summary)
          .isZero();
      assertThat(input.records()).as("records in the topics = events the simulator acknowledged + one probe per "
          + "partition: none lost or duplicated on the way in (" + summary + ")")
          .isEqualTo(row.acknowledged() + pipeline.probeUsers().size());
    }
  }

  @AfterAll
  static void printTable() {
    if (!ROWS.isEmpty()) {
      System.out.println("Fault suite, " + LocalDate.now() + ": " + USERS + " users, simulator at " + (long) RATE
          + " events/s, 3 partitions");
      System.out.println(table(ROWS));
    }
  }

  record Row(String scenario, String fault, long produced, long acknowledged, Comparison comparison,
      Comparison merchants, Duration faultLength, Duration recovery) {}

  static String table(List<Row> rows) {
    StringBuilder out = new StringBuilder(
        "| scenario | fault | events produced | users | mismatched users | lost | double-counted | wrong last_login_ts "
            + "| merchants | mismatched merchants | merchant lost / double-counted | fault lasted | recovery |\n"
            + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      Comparison c = r.comparison();
      Comparison m = r.merchants();
      out.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %d | %d | %d | %d | %,d | %d | %d / %d | %.1f s | %.1f s |%n",
          r.scenario(), r.fault(), r.produced(), c.users(), c.mismatched(), c.lost(), c.doubleCounted(),
          c.staleLastLogin(), m.users(), m.mismatched(), m.lost(), m.doubleCounted(), r.faultLength().toMillis() / 1000.0,
          r.recovery().toMillis() / 1000.0));
    }
    return out.toString();
  }
}
