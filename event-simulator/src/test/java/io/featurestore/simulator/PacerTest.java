package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PacerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void shouldGrantTheTargetRatePerTickAndTheFirstEventAtOnce() {
    Pacer pacer = new Pacer(1_000, 0);
    assertThat(pacer.permits(0)).isEqualTo(1);
    assertThat(pacer.permits(10 * MS)).isEqualTo(10);
    assertThat(11 + permitsEvery10Ms(pacer, 20, 1_000)).isEqualTo(1_001);
  }

  @Test
  void shouldHoldFractionalRatesOnAverage() {
    assertThat(permitsEvery10Ms(new Pacer(0.5, 0), 0, 60_000)).isEqualTo(31);
  }

  @Test
  void shouldCatchUpAfterAStallByAtMostOneSecondOfEvents() {
    Pacer pacer = new Pacer(100, 0);
    pacer.permits(0);
    assertThat(pacer.permits(30_000 * MS)).isEqualTo(100);
    assertThat(pacer.permits(30_010 * MS)).isEqualTo(1);
  }

  @Test
  void shouldSleepToTheNextTickBoundary() {
    Pacer pacer = new Pacer(10, 5 * MS);
    assertThat(pacer.nanosToNextTick(5 * MS)).isEqualTo(Pacer.TICK_NANOS);
    assertThat(pacer.nanosToNextTick(12 * MS)).isEqualTo(3 * MS);
  }

  @Test
  void shouldRejectANonPositiveRate() {
    assertThatThrownBy(() -> new Pacer(0, 0)).hasMessageContaining("rate must be > 0");
    assertThatThrownBy(() -> new Pacer(Double.NaN, 0)).hasMessageContaining("rate must be > 0");
  }

  /** The permits granted when asked every 10 ms from {@code fromMs} to {@code toMs}, both included. */
  private static long permitsEvery10Ms(Pacer pacer, long fromMs, long toMs) {
    long total = 0;
    for (long t = fromMs; t <= toMs; t += 10) {
      total += pacer.permits(t * MS);
    }
    return total;
  }
}
