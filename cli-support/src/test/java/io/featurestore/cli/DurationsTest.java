package io.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @Test
  void shouldParseNumbersWithUnits() {
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(Durations.parse(" 10S ")).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void shouldAcceptIso8601() {
    assertThat(Durations.parse("PT2M30S")).isEqualTo(Duration.ofSeconds(150));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5x", "-5s", "1.5h", "s", "5 m", "PTx", "h1"})
  void shouldRejectWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a duration").hasMessageContaining("30s, 5m, 1h");
  }

  @Test
  void shouldRejectZeroAndOverflow() {
    assertThatThrownBy(() -> Durations.parse("0s")).hasMessageContaining("longer than 0");
    assertThatThrownBy(() -> Durations.parse("99999999999999999999h")).hasMessageContaining("too long");
  }
}
