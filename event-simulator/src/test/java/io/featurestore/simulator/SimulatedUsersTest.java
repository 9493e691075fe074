package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SimulatedUsersTest {
  @Test
  void shouldGiveTheSameProfilesForSeed42AsEver() {
    // Pinned values: home countries are the materializer's for the same seed, devices stay across runs.
    assertThat(SimulatedUsers.profile(1, 42)).isEqualTo(new SimulatedUsers.Profile(1, "u0001", "US", List.of("web-5e9a")));
    assertThat(SimulatedUsers.profile(45, 42))
        .isEqualTo(new SimulatedUsers.Profile(45, "u0045", "FR", List.of("ios-c92a", "android-9a3b")));
    assertThat(SimulatedUsers.profile(52, 42))
        .isEqualTo(new SimulatedUsers.Profile(52, "u0052", "SE", List.of("android-5e94", "android-4fe3")));
    assertThat(SimulatedUsers.profile(10_000, 42))
        .isEqualTo(new SimulatedUsers.Profile(10_000, "u10000", "FR", List.of("ios-5c2c")));
  }

  @Test
  void shouldGiveUsersDifferentDevices() {
    long distinctPrimaries = LongStream.rangeClosed(1, 1_000)
        .mapToObj(n -> SimulatedUsers.profile(n, 42).primaryDevice()).distinct().count();
    assertThat(distinctPrimaries).isGreaterThan(950);
    assertThat(SimulatedUsers.devicesOf(7, 42)).isNotEqualTo(SimulatedUsers.devicesOf(7, 43));
  }
}
