package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class HealthMetersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HealthMeters meters = new HealthMeters(registry);

  @Test
  void shouldCountFailuresByTaskAndThreadReplacements() {
    meters.failed(new StreamsException("wrapped", new StreamsException(new RuntimeException("x"), new TaskId(0, 2))));
    meters.failed(new StreamsException(new RuntimeException("y"), new TaskId(0, 2)));
    meters.failed(new IllegalStateException("not a task's"));
    meters.replaced();
    meters.replaced();

    assertThat(registry.get("fs_processor_task_failures").tag("task", "0_2").counter().count()).isEqualTo(2);
    assertThat(registry.get("fs_processor_task_failures").tag("task", "none").counter().count()).isEqualTo(1);
    assertThat(registry.get("fs_processor_thread_replacements").counter().count()).isEqualTo(2);
  }

  @Test
  void shouldPublishTheLatestVerdictAndLag() {
    assertThat(registry.get("fs_processor_healthy").gauge().value()).isZero();
    meters.report(new ProcessorHealth.Report(ProcessorHealth.Status.OK, "", 0, 12, 0));
    assertThat(registry.get("fs_processor_healthy").gauge().value()).isEqualTo(1);
    assertThat(registry.get("fs_processor_consumer_lag").gauge().value()).isEqualTo(12);
    meters.report(new ProcessorHealth.Report(ProcessorHealth.Status.FAILING, "r", 0, 3, 1));
    assertThat(registry.get("fs_processor_healthy").gauge().value()).isZero();
  }
}
