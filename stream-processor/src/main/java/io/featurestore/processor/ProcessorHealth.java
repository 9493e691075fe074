package io.featurestore.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The processor's verdict on its own health, from what it observes: stream-thread failures
 * (reported by the uncaught-exception handler, which replaces the thread), Kafka Streams' state,
 * and consumer progress sampled from Kafka Streams' client metrics. No clock or Kafka of its
 * own: every input comes with the time it was seen, so the rules are tested as plain functions.
 *
 * <ul>
 *   <li>{@code FAILING} from a stream thread's failure until {@code failureQuiet} passes without
 *       another one. {@code failureQuiet} is longer than one turn of a crash loop (see
 *       {@link #forConfig}), so a task that keeps failing stays FAILING.</li>
 *   <li>{@code STALLED} when records wait in the input partitions (consumer lag &gt; 0) and no
 *       consumer (main or restore) has consumed any for {@code stallAfter}.</li>
 *   <li>{@code DOWN} when Kafka Streams is not running (ERROR, shutting down), {@code STARTING}
 *       before its threads start; otherwise {@code OK}. A failure outranks a stall.</li>
 * </ul>
 * Thread-safe: the heartbeat timer, the HTTP server and the stream threads call it.
 */
final class ProcessorHealth {
  enum Status { OK, STARTING, FAILING, STALLED, DOWN }

  /**
   * @param status      the verdict
   * @param reason      why it is not OK, in words (empty when OK)
   * @param sinceMs     wall-clock time since when this status holds
   * @param consumerLag records waiting in the input partitions, -1 when unknown
   * @param failures    stream-thread failures since start
   */
  record Report(Status status, String reason, long sinceMs, long consumerLag, long failures) {
    boolean ok() {
      return status == Status.OK;
    }
  }

  /** The consumer's own default {@code session.timeout.ms}, should the processor ever stop setting it. */
  static final Duration KAFKA_DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);

  private final Duration stallAfter;
  private final Duration failureQuiet;

  private long failures;
  private int streakFailures;
  private long streakStartMs = -1;
  private long lastFailureMs = -1;
  private String lastFailure = "";

  private Map<String, Double> lastConsumed = Map.of();
  private long waitingSinceMs = -1;
  private long lag = -1;

  private KafkaStreams.State lastState;
  private long stateSinceMs = -1;
  private Status lastStatus;
  private long statusSinceMs = -1;

  ProcessorHealth(Duration stallAfter, Duration failureQuiet) {
    this.stallAfter = stallAfter;
    this.failureQuiet = failureQuiet;
  }

  /**
   * The rule the app uses: FAILING lasts, after the latest failure, for one turn of a crash loop
   * (the sink's retry budget, plus the consumer session timeout within which a replaced thread
   * gets its partitions back) plus the stall time: 30 + 10 + 30 s by default.
   */
  static ProcessorHealth forConfig(StreamProcessorConfig config) {
    return new ProcessorHealth(config.stallAfter(), failureQuiet(config));
  }

  static Duration failureQuiet(StreamProcessorConfig config) {
    Object session = config.streamsProperties().get(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
    Duration rejoin = session instanceof Number n ? Duration.ofMillis(n.longValue()) : KAFKA_DEFAULT_SESSION_TIMEOUT;
    return config.sinkRetryBudget().plus(rejoin).plus(config.stallAfter());
  }

  /** A stream thread died with {@code error} at {@code nowMs} (and is being replaced). */
  synchronized void threadFailed(long nowMs, Throwable error) {
    failures++;
    if (streakFailures == 0 || nowMs - lastFailureMs >= failureQuiet.toMillis()) {
      streakFailures = 0;
      streakStartMs = nowMs;
    }
    streakFailures++;
    lastFailureMs = nowMs;
    lastFailure = describe(error);
  }

  synchronized long failures() {
    return failures;
  }

  /** Records what was seen at {@code nowMs} and returns the verdict. */
  synchronized Report evaluate(long nowMs, KafkaStreams.State state, ConsumerProgress progress) {
    if (state != lastState) {
      lastState = state;
      stateSinceMs = nowMs;
    }
    observe(nowMs, progress);
    if (streakFailures > 0 && nowMs - lastFailureMs >= failureQuiet.toMillis()) {
      streakFailures = 0;
    }

    Status status;
    String reason;
    long since;
    if (state == KafkaStreams.State.CREATED) {
      status = Status.STARTING;
      reason = "stream threads not started yet";
      since = stateSinceMs;
    } else if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
      status = Status.DOWN;
      reason = "Kafka Streams is " + state + (failures > 0 ? "; last thread failure: " + lastFailure : "");
      since = stateSinceMs;
    } else if (streakFailures > 0) {
      status = Status.FAILING;
      reason = "stream thread failed " + (streakFailures == 1 ? "once" : streakFailures + " times")
          + " and was replaced" + (streakFailures == 1 ? "" : " each time") + ", latest at "
          + Instant.ofEpochMilli(lastFailureMs) + ": " + lastFailure;
      since = streakStartMs;
    } else if (lag > 0 && waitingSinceMs >= 0 && nowMs - waitingSinceMs >= stallAfter.toMillis()) {
      status = Status.STALLED;
      reason = lag + (lag == 1 ? " record waits" : " records wait") + " in the input partitions and none was consumed for "
          + (nowMs - waitingSinceMs) / 1000 + " s";
      since = waitingSinceMs;
    } else {
      status = Status.OK;
      reason = "";
      since = -1;
    }
    if (status != lastStatus) {
      lastStatus = status;
      statusSinceMs = nowMs;
    }
    return new Report(status, reason, since >= 0 ? since : statusSinceMs, lag, failures);
  }

  /** Progress: any consumer's {@code records-consumed-total} grew (a new consumer of a replaced thread counts from 0). */
  private void observe(long nowMs, ConsumerProgress progress) {
    boolean progressed = false;
    for (Map.Entry<String, Double> e : progress.consumedByClient().entrySet()) {
      if (e.getValue() > lastConsumed.getOrDefault(e.getKey(), 0.0)) {
        progressed = true;
      }
    }
    lastConsumed = new HashMap<>(progress.consumedByClient());
    lag = progress.lag();
    if (lag <= 0) {
      waitingSinceMs = -1;
    } else if (progressed || waitingSinceMs < 0) {
      waitingSinceMs = nowMs;
    }
  }

  /** {@code task 0_1: SinkUnavailableException: Redis unavailable …}: the task and the innermost useful cause. */
  static String describe(Throwable error) {
    Optional<TaskId> task = Optional.empty();
    Throwable cause = error;
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof StreamsException s && s.taskId().isPresent() && task.isEmpty()) {
        task = s.taskId();
      }
      cause = t;
      boolean wrapper = t.getClass() == StreamsException.class || t.getClass() == KafkaException.class;
      if (!wrapper && t.getMessage() != null) {
        break;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    Throwable root = cause;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 20; depth++) {
      root = root.getCause();
    }
    return task.map(id -> "task " + id + ": ").orElse("") + oneLine(cause)
        + (root == cause ? "" : "; cause: " + oneLine(root));
  }

  private static String oneLine(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    String line = newline < 0 ? text : text.substring(0, newline);
    return line.length() > 200 ? line.substring(0, 199) + "…" : line;
  }
}
