package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SimulatedUsersTest {
  @Test
  void shouldRecogniseOnlyTheMaterializersIds() {
    assertThat(SimulatedUsers.numberOf("u0042")).hasValue(42);
    assertThat(SimulatedUsers.numberOf("u10000")).hasValue(10_000);
    for (String other : new String[] {"u42", "u00042", "u0000", "x0042", "u00a1", "U0042", "", "u"}) {
      assertThat(SimulatedUsers.numberOf(other)).as(other).isEqualTo(OptionalLong.empty());
    }
    assertThat(SimulatedUsers.numberOf(null)).isEmpty();
  }

  @Test
  void shouldGiveUsersDifferentDevices() {
    long distinctPrimaries = LongStream.rangeClosed(1, 1_000)
        .mapToObj(n -> SimulatedUsers.profile(n, 42).primaryDevice()).distinct().count();
    assertThat(distinctPrimaries).isGreaterThan(950);
    assertThat(SimulatedUsers.devicesOf(7, 42)).isNotEqualTo(SimulatedUsers.devicesOf(7, 43));
  }
}
