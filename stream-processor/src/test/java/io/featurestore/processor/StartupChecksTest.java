package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class StartupChecksTest {
  @Test
  void shouldRefuseInputTopicsWithDifferentPartitionCountsNamingBothTopicsAndCounts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("events.login", 3);
    counts.put("events.transaction", 4);

    assertThatThrownBy(() -> StartupChecks.requireCoPartitioned(counts, "k:9092"))
        .isInstanceOf(StartupChecks.StartupException.class)
        .hasMessageContaining("not co-partitioned")
        .hasMessageContaining("events.login has 3 partitions, events.transaction has 4 partitions")
        .satisfies(e -> assertThat(((StartupChecks.StartupException) e).exitCode()).isEqualTo(2));
  }

  @Test
  void shouldAcceptCoPartitionedInputTopics() {
    assertThatCode(() -> StartupChecks.requireCoPartitioned(Map.of("events.login", 6, "events.transaction", 6), "k"))
        .doesNotThrowAnyException();
  }

  @Test
  void shouldCheckTheTwoInputTopicsWithABoundedAdminClient() {
    assertThat(StartupChecks.INPUT_TOPICS).containsExactly("events.login", "events.transaction");
    assertThat(StartupChecks.adminProperties("k:9092")).containsEntry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
        .containsEntry(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
  }
}
