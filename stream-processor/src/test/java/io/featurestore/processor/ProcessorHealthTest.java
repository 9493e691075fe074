package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.processor.ProcessorHealth.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class ProcessorHealthTest {
  private static final Duration STALL = Duration.ofSeconds(30);
  private static final Duration QUIET = Duration.ofSeconds(60);
  private static final long T0 = 1_700_000_000_000L;

  private final ProcessorHealth health = new ProcessorHealth(STALL, QUIET);

  private static ConsumerProgress progress(long lag, double consumed) {
    return new ConsumerProgress(lag, Map.of("app-StreamThread-1-consumer", consumed));
  }

  private static StreamsException taskFailure(String message) {
    return new StreamsException(new IllegalStateException(message), new TaskId(0, 1));
  }

  @Test
  void shouldBeOkWhileRunningAndConsuming() {
    assertThat(health.evaluate(T0, State.RUNNING, progress(5, 10)).status()).isEqualTo(Status.OK);
    ProcessorHealth.Report report = health.evaluate(T0 + 40_000, State.RUNNING, progress(5, 20));

    assertThat(report.status()).isEqualTo(Status.OK);
    assertThat(report.reason()).isEmpty();
    assertThat(report.sinceMs()).isEqualTo(T0);
    assertThat(report.consumerLag()).isEqualTo(5);
  }

  @Test
  void shouldReportStalledWhenRecordsWaitAndNoneAreConsumedForTheStallTime() {
    health.evaluate(T0, State.RUNNING, progress(0, 10));
    health.evaluate(T0 + 1_000, State.RUNNING, progress(7, 10)); // records start waiting
    assertThat(health.evaluate(T0 + 30_999, State.RUNNING, progress(7, 10)).status()).isEqualTo(Status.OK);

    ProcessorHealth.Report stalled = health.evaluate(T0 + 31_000, State.RUNNING, progress(7, 10));
    assertThat(stalled.status()).isEqualTo(Status.STALLED);
    assertThat(stalled.sinceMs()).as("since the records started waiting").isEqualTo(T0 + 1_000);
    assertThat(stalled.reason()).contains("7 records wait", "none was consumed for 30 s");

    assertThat(health.evaluate(T0 + 32_000, State.RUNNING, progress(7, 11)).status())
        .as("one record consumed is progress").isEqualTo(Status.OK);
  }

  @Test
  void shouldNotCallAnIdleProcessorStalled() {
    health.evaluate(T0, State.RUNNING, progress(0, 10));
    assertThat(health.evaluate(T0 + 3_600_000, State.RUNNING, progress(0, 10)).status()).isEqualTo(Status.OK);
    assertThat(health.evaluate(T0 + 7_200_000, State.RUNNING, new ConsumerProgress(-1, Map.of())).status())
        .as("no partition reports a lag").isEqualTo(Status.OK);
  }

  @Test
  void shouldCountRestoringAndANewConsumerOfAReplacedThreadAsProgress() {
    health.evaluate(T0, State.REBALANCING, new ConsumerProgress(9, Map.of("t-1-consumer", 100.0,
        "t-1-restore-consumer", 50.0)));
    health.evaluate(T0 + 20_000, State.REBALANCING, new ConsumerProgress(9, Map.of("t-1-consumer", 100.0,
        "t-1-restore-consumer", 80.0)));
    assertThat(health.evaluate(T0 + 45_000, State.REBALANCING, new ConsumerProgress(9, Map.of("t-2-consumer", 3.0)))
        .status()).isEqualTo(Status.OK);
    assertThat(health.evaluate(T0 + 74_000, State.RUNNING, new ConsumerProgress(9, Map.of("t-2-consumer", 3.0)))
        .status()).isEqualTo(Status.OK);
    assertThat(health.evaluate(T0 + 75_000, State.RUNNING, new ConsumerProgress(9, Map.of("t-2-consumer", 3.0)))
        .status()).isEqualTo(Status.STALLED);
  }

  @Test
  void shouldReportFailingFromTheFirstFailureWhileTheThreadKeepsFailingAndOkAfterAQuietPeriod() {
    health.evaluate(T0, State.RUNNING, progress(0, 1));
    health.threadFailed(T0 + 1_000, taskFailure("Redis unavailable"));
    health.threadFailed(T0 + 40_000, taskFailure("Redis unavailable again"));

    ProcessorHealth.Report failing = health.evaluate(T0 + 90_000, State.RUNNING, progress(3, 2));
    assertThat(failing.status()).isEqualTo(Status.FAILING);
    assertThat(failing.sinceMs()).isEqualTo(T0 + 1_000);
    assertThat(failing.failures()).isEqualTo(2);
    assertThat(failing.reason()).contains("failed 2 times", "replaced each time",
        "task 0_1: IllegalStateException: Redis unavailable again");

    assertThat(health.evaluate(T0 + 100_000, State.RUNNING, progress(0, 9)).status())
        .as("a quiet period after the latest failure").isEqualTo(Status.OK);
    health.threadFailed(T0 + 200_000, taskFailure("once more"));
    ProcessorHealth.Report again = health.evaluate(T0 + 200_001, State.RUNNING, progress(0, 9));
    assertThat(again.reason()).contains("failed once and was replaced");
    assertThat(again.sinceMs()).as("a new streak").isEqualTo(T0 + 200_000);
    assertThat(again.failures()).isEqualTo(3);
  }

  @Test
  void shouldRankAFailureAboveAStall() {
    health.evaluate(T0, State.RUNNING, progress(4, 1));
    health.threadFailed(T0 + 1_000, taskFailure("x"));
    assertThat(health.evaluate(T0 + 50_000, State.RUNNING, progress(4, 1)).status()).isEqualTo(Status.FAILING);
  }

  @Test
  void shouldReportDownWhenKafkaStreamsIsNotRunningAndStartingBeforeItStarts() {
    assertThat(health.evaluate(T0, State.CREATED, progress(0, 0)).status()).isEqualTo(Status.STARTING);
    health.evaluate(T0 + 1_000, State.RUNNING, progress(0, 0));
    ProcessorHealth.Report down = health.evaluate(T0 + 5_000, State.ERROR, progress(0, 0));
    assertThat(down.status()).isEqualTo(Status.DOWN);
    assertThat(down.reason()).isEqualTo("Kafka Streams is ERROR");
    assertThat(down.sinceMs()).isEqualTo(T0 + 5_000);
    assertThat(health.evaluate(T0 + 9_000, State.ERROR, progress(0, 0)).sinceMs()).isEqualTo(T0 + 5_000);
  }

  @Test
  void shouldDescribeAFailureByItsTaskAndItsInnermostUsefulCause() {
    Exception wrapped = new StreamsException("task [0_2] failed to punctuate", new StreamsException(
        new RuntimeException("Redis unavailable for 2 s: Connection refused\n\tat somewhere")), new TaskId(0, 2));
    assertThat(ProcessorHealth.describe(wrapped)).isEqualTo("task 0_2: RuntimeException: Redis unavailable for 2 s: Connection refused");
    assertThat(ProcessorHealth.describe(new StreamsException(new IllegalStateException("boom\nstack"), new TaskId(1, 0))))
        .isEqualTo("task 1_0: IllegalStateException: boom");
    assertThat(ProcessorHealth.describe(new NullPointerException())).isEqualTo("NullPointerException");
    Exception sink = new StreamsException("task [0_0] Exception caught while punctuating", new IllegalStateException(
        "Redis write of 1 users failed for 1 s", new RuntimeException("Redis unavailable",
            new java.net.ConnectException("Connection refused"))), new TaskId(0, 0));
    assertThat(ProcessorHealth.describe(sink)).isEqualTo("task 0_0: IllegalStateException: Redis write of 1 users"
        + " failed for 1 s; cause: ConnectException: Connection refused");
  }

  @Test
  void shouldStayFailingForTheRetryBudgetPlusTheSessionTimeoutPlusTheStallTime() {
    StreamProcessorConfig config = StreamProcessorConfig.fromEnv(Map.of("FS_SINK_RETRY_SECONDS", "2",
        "FS_PROCESSOR_STALL_SECONDS", "5"));
    assertThat(ProcessorHealth.failureQuiet(config)).isEqualTo(Duration.ofSeconds(2 + 10 + 5));
    ProcessorHealth fromConfig = ProcessorHealth.forConfig(config);
    fromConfig.threadFailed(T0, taskFailure("x"));
    assertThat(fromConfig.evaluate(T0 + 16_999, State.RUNNING, progress(0, 0)).status()).isEqualTo(Status.FAILING);
    assertThat(fromConfig.evaluate(T0 + 17_000, State.RUNNING, progress(0, 0)).status()).isEqualTo(Status.OK);
    assertThat(ProcessorHealth.failureQuiet(StreamProcessorConfig.fromEnv(Map.of()))).isEqualTo(Duration.ofSeconds(70));
  }

  @Test
  void shouldWriteTheHealthAsJsonWithTheReasonEscaped() {
    ProcessorHealth.Report report = new ProcessorHealth.Report(Status.FAILING, "a \"quoted\"\nreason\\", 0, 12, 3);
    assertThat(StreamProcessorApp.healthJson(State.RUNNING, report, List.of("events.login-0", "events.transaction-0")))
        .isEqualTo("{\"state\":\"RUNNING\","
        + "\"status\":\"FAILING\",\"reason\":\"a \\\"quoted\\\"\\nreason\\\\\",\"since_ms\":0,"
        + "\"since\":\"1970-01-01T00:00:00Z\",\"consumer_lag\":12,\"thread_failures\":3,"
        + "\"partitions\":[\"events.login-0\",\"events.transaction-0\"]}");
  }
}
