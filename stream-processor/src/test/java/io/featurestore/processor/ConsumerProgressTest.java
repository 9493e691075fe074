package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class ConsumerProgressTest {
  private static final String MAIN = "app-1f2e-StreamThread-1-consumer";
  private static final String RESTORE = "app-1f2e-StreamThread-1-restore-consumer";
  private final Map<MetricName, Metric> metrics = new HashMap<>();

  private void put(String group, String name, Object value, String... tags) {
    Map<String, String> tagMap = new HashMap<>();
    for (int i = 0; i < tags.length; i += 2) {
      tagMap.put(tags[i], tags[i + 1]);
    }
    MetricName metricName = new MetricName(name, group, "", tagMap);
    metrics.put(metricName, new Metric() {
      @Override
      public MetricName metricName() {
        return metricName;
      }

      @Override
      public Object metricValue() {
        return value;
      }
    });
  }

  @Test
  void shouldSumTheMainConsumersPartitionLagAndReadEveryConsumersTotal() {
    String fetch = ConsumerProgress.FETCH_GROUP;
    put(fetch, "records-lag", 4.0, "client-id", MAIN, "topic", "events.login", "partition", "0");
    put(fetch, "records-lag", 6.0, "client-id", MAIN, "topic", "events.transaction", "partition", "2");
    put(fetch, "records-lag", Double.NaN, "client-id", MAIN, "topic", "events.transaction", "partition", "1");
    put(fetch, "records-lag", 1000.0, "client-id", RESTORE, "topic", "app-user-state-changelog", "partition", "0");
    put(fetch, "records-lag-max", 99.0, "client-id", MAIN);
    put(fetch, "records-consumed-total", 120.0, "client-id", MAIN);
    put(fetch, "records-consumed-total", 70.0, "client-id", MAIN, "topic", "events.login");
    put(fetch, "records-consumed-total", 33.0, "client-id", RESTORE);
    put(fetch, "records-consumed-total", 5.0, "client-id", "app-1f2e-StreamThread-1-producer");
    put("producer-metrics", "record-send-total", 8.0, "client-id", MAIN);

    ConsumerProgress progress = ConsumerProgress.from(metrics);

    assertThat(progress.lag()).as("main consumer partitions only; NaN skipped").isEqualTo(10);
    assertThat(progress.consumedByClient()).containsOnly(Map.entry(MAIN, 120.0), Map.entry(RESTORE, 33.0));
  }

  @Test
  void shouldReportAnUnknownLagWhenNoPartitionReportsOne() {
    put(ConsumerProgress.FETCH_GROUP, "records-consumed-total", 0.0, "client-id", MAIN);

    assertThat(ConsumerProgress.from(metrics).lag()).isEqualTo(-1);
    assertThat(ConsumerProgress.from(Map.of())).isEqualTo(new ConsumerProgress(-1, Map.of()));
  }

  @Test
  void shouldTellTheMainConsumerFromTheRestoreAndGlobalConsumers() {
    assertThat(ConsumerProgress.isMainConsumer(MAIN)).isTrue();
    assertThat(ConsumerProgress.isMainConsumer(RESTORE)).isFalse();
    assertThat(ConsumerProgress.isMainConsumer("app-1f2e-global-consumer")).isFalse();
  }
}
