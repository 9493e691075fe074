package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerProcessorMetricsTest {
  @Test
  void shouldGaugeTheTasksRebuildingEachEntity() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerProcessorMetrics metrics = new MicrometerProcessorMetrics(registry);
    metrics.rebuilding("user", 1);
    metrics.rebuilding("user", 1);
    metrics.rebuilding("merchant", 1);
    metrics.rebuilding("user", -1);

    assertThat(registry.get("fs_processor_rebuilding_tasks").tag("entity", "user").gauge().value()).isEqualTo(1);
    assertThat(registry.get("fs_processor_rebuilding_tasks").tag("entity", "merchant").gauge().value()).isEqualTo(1);
    metrics.rebuilding("merchant", -1);
    assertThat(registry.get("fs_processor_rebuilding_tasks").tag("entity", "merchant").gauge().value()).isZero();
  }
}
