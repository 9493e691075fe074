package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.Heartbeat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureEndpointsTest {
  @Test
  void shouldWriteServerTimingInMillisecondsWithThreeDecimals() {
    assertThat(FeatureEndpoints.timing(231_456)).isEqualTo("store;dur=0.231");
    assertThat(FeatureEndpoints.timing(5_000)).isEqualTo("store;dur=0.005");
    assertThat(FeatureEndpoints.timing(1_050_000)).isEqualTo("store;dur=1.050");
    assertThat(FeatureEndpoints.timing(12_345_678)).isEqualTo("store;dur=12.345");
    assertThat(FeatureEndpoints.timing(-1)).isEqualTo("store;dur=0.000");
  }

  @Test
  void shouldReportTheNewestEventOfAllLiveInstancesAndItsAge() {
    FeatureEndpoints.StreamProcessorView view = FeatureEndpoints.StreamProcessorView.of(List.of(
        new Heartbeat("a", "RUNNING", 9_500, 8_000, 10), new Heartbeat("b", "REBALANCING", 9_900, -1, 0)), 10_000);
    assertThat(view.live()).isTrue();
    assertThat(view.newestEventTsMs()).isEqualTo(8_000);
    assertThat(view.newestEventAgeMs()).isEqualTo(2_000);
    assertThat(view.instances()).extracting(FeatureEndpoints.StreamProcessorView.Instance::heartbeatAgeMs)
        .containsExactly(500L, 100L);
    assertThat(view.instances().get(1).lastEventTsMs()).isNull();
  }

  @Test
  void shouldPassOnEachInstancesStatusReasonAndSinceAndBeHealthyOnlyWhenAllAreOk() {
    FeatureEndpoints.StreamProcessorView view = FeatureEndpoints.StreamProcessorView.of(List.of(
        new Heartbeat("a", "RUNNING", 9_500, 8_000, 10),
        new Heartbeat("b", "RUNNING", 9_900, 8_100, 5, "FAILING", "task 0_1: Redis down", 7_000)), 10_000);
    assertThat(view.live()).isTrue();
    assertThat(view.healthy()).isFalse();
    assertThat(view.instances()).extracting(FeatureEndpoints.StreamProcessorView.Instance::status)
        .containsExactly("OK", "FAILING");
    assertThat(view.instances().get(1).reason()).isEqualTo("task 0_1: Redis down");
    assertThat(view.instances().get(1).statusSinceMs()).isEqualTo(7_000);
    assertThat(view.instances().get(0).statusSinceMs()).as("an older processor gives no since").isNull();

    assertThat(FeatureEndpoints.StreamProcessorView.of(List.of(new Heartbeat("a", "RUNNING", 9_500, 8_000, 10)), 10_000)
        .healthy()).isTrue();
  }

  @Test
  void shouldReportNotLiveWithoutHeartbeats() {
    FeatureEndpoints.StreamProcessorView view = FeatureEndpoints.StreamProcessorView.of(List.of(), 10_000);
    assertThat(view.live()).isFalse();
    assertThat(view.healthy()).isFalse();
    assertThat(view.newestEventTsMs()).isNull();
    assertThat(view.newestEventAgeMs()).isNull();
  }

  @Test
  void shouldListEachInstanceWithThePartitionsItOwns() {
    FeatureEndpoints.StreamProcessorView view = FeatureEndpoints.StreamProcessorView.of(List.of(
        new Heartbeat("a", "RUNNING", 9_500, 8_000, 10, "OK", "", -1, List.of("events.login-0", "events.transaction-0")),
        new Heartbeat("b", "RUNNING", 9_900, 8_100, 5, "OK", "", -1, List.of("events.login-1", "events.transaction-1")),
        new Heartbeat("old", "RUNNING", 9_900, 8_100, 5)), 10_000);
    assertThat(view.instances()).extracting(FeatureEndpoints.StreamProcessorView.Instance::partitions).containsExactly(
        List.of("events.login-0", "events.transaction-0"), List.of("events.login-1", "events.transaction-1"), List.of());
  }
}
