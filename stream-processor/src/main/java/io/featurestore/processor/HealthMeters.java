package io.featurestore.processor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.errors.StreamsException;

/**
 * Prometheus metrics of the processor's health: stream-thread failures (by task, when the
 * failure names one), thread replacements, and the latest health verdict and consumer lag.
 */
final class HealthMeters {
  static final String NO_TASK = "none";

  private final MeterRegistry registry;
  private final Counter replacements;
  private final Map<String, Counter> failuresByTask = new ConcurrentHashMap<>();
  private final AtomicReference<ProcessorHealth.Report> latest = new AtomicReference<>();

  HealthMeters(MeterRegistry registry) {
    this.registry = registry;
    this.replacements = Counter.builder("fs_processor_thread_replacements")
        .description("Stream threads replaced after an uncaught failure").register(registry);
    Gauge.builder("fs_processor_healthy", latest, r -> r.get() != null && r.get().ok() ? 1 : 0)
        .description("1 while the processor reports OK, 0 while FAILING, STALLED, STARTING or DOWN").register(registry);
    Gauge.builder("fs_processor_consumer_lag", latest, r -> r.get() == null ? Double.NaN : r.get().consumerLag())
        .description("Records waiting in the input partitions (Kafka Streams' records-lag, summed)").register(registry);
    // Registered up front, so the series exists (at 0) before the first failure.
    failureCounter(NO_TASK);
  }

  /** A stream thread failed; {@code error} names the task when the failure came from one. */
  void failed(Throwable error) {
    String task = NO_TASK;
    for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof StreamsException s && s.taskId().isPresent()) {
        task = s.taskId().get().toString();
        break;
      }
    }
    failureCounter(task).increment();
  }

  void replaced() {
    replacements.increment();
  }

  void report(ProcessorHealth.Report report) {
    latest.set(report);
  }

  private Counter failureCounter(String task) {
    return failuresByTask.computeIfAbsent(task, t -> Counter.builder("fs_processor_task_failures")
        .description("Uncaught failures of a stream thread, by the task that failed (none: not a task's)")
        .tag("task", t).register(registry));
  }
}
