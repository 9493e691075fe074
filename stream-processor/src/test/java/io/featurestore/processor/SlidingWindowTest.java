package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {
  @Test
  void shouldCountEventsInsideTheWindowAtResolutionSteps() {
    SlidingWindow w = new SlidingWindow(1000, 100, false);
    w.add(1000, 0);
    w.add(1500, 0);
    assertThat(w.count(1500)).isEqualTo(2);
    assertThat(w.count(1999)).as("T - width < ts: 1000 is still in at 1900 < T <= 2000").isEqualTo(2);
    w.evict(2000);
    assertThat(w.count(2000)).as("at 2000, ts 1000 = T - width is out").isEqualTo(1);
    w.evict(2500);
    assertThat(w.count(2500)).isZero();
    assertThat(w.isEmpty()).isTrue();
  }

  @Test
  void shouldKeepOneBucketPerResolutionStepWhateverTheEventRate() {
    SlidingWindow w = new SlidingWindow(300_000, false);
    long t0 = 1_000_000_000_000L;
    for (int i = 0; i < 100_000; i++) {
      w.add(t0 + 1 + i * 3L, 0); // 100,000 events within 300 s
    }
    assertThat(w.size()).isLessThanOrEqualTo(3_000);
    assertThat(w.count(t0 + 300_000)).isEqualTo(100_000);
  }

  @Test
  void shouldCountAFutureEventOnceItsTimeComesAndTellWhen() {
    SlidingWindow w = new SlidingWindow(1000, 100, false);
    w.add(2050, 0);
    assertThat(w.count(1900)).isZero();
    assertThat(w.nextChangeAt(1900)).isEqualTo(2001);
    assertThat(w.count(2001)).as("counted from the first moment of its bucket").isEqualTo(1);
    assertThat(w.nextChangeAt(2001)).as("leaves once T passes 2900 + 100").isEqualTo(3001);
    assertThat(w.count(3000)).isEqualTo(1);
    w.evict(3001);
    assertThat(w.count(3001)).isZero();
  }

  @Test
  void shouldTellEventsThatCanNeverCountAgain() {
    SlidingWindow w = new SlidingWindow(1000, 100, false);
    assertThat(w.isTooOld(1000, 2000)).isTrue();
    assertThat(w.isTooOld(1001, 2000)).isFalse();
  }

  @Test
  void shouldAggregateSumMinMaxOfValuesInTheWindow() {
    SlidingWindow w = new SlidingWindow(1000, 100, true);
    w.add(100, 5.0);
    w.add(150, -2.5);
    w.add(700, 10.0);
    assertThat(w.count(700)).isEqualTo(3);
    assertThat(w.sum(700)).isCloseTo(12.5, within(1e-9));
    assertThat(w.min(700)).isEqualTo(-2.5);
    assertThat(w.max(700)).isEqualTo(10.0);
    w.evict(1200);
    assertThat(w.count(1200)).isEqualTo(1);
    assertThat(w.sum(1200)).isEqualTo(10.0);
    assertThat(w.min(1200)).isEqualTo(10.0);
    w.evict(2000);
    assertThat(w.min(2000)).isNaN();
    assertThat(w.sum(2000)).isZero();
  }

  @Test
  void shouldMatchABruteForceAggregateAtEveryResolutionStep() {
    Random random = new Random(7);
    long width = 60_000;
    SlidingWindow w = new SlidingWindow(width, true);
    List<long[]> events = new ArrayList<>();
    long now = 10_000_000;
    for (int step = 0; step < 2_000; step++) {
      for (int i = random.nextInt(4); i > 0; i--) {
        long ts = now - random.nextInt(70_000) + random.nextInt(2_000);
        long value = random.nextInt(1000) - 500;
        if (!w.isTooOld(ts, now)) {
          w.add(ts, value);
        }
        events.add(new long[] {ts, value});
      }
      now += 100 * (1 + random.nextInt(20));
      w.evict(now);
      long t = now;
      long count = events.stream().filter(e -> e[0] > t - width && e[0] <= t).count();
      long sum = events.stream().filter(e -> e[0] > t - width && e[0] <= t).mapToLong(e -> e[1]).sum();
      assertThat(w.count(now)).as("count at %d", now).isEqualTo(count);
      assertThat(w.sum(now)).as("sum at %d", now).isCloseTo(sum, within(1e-6));
      if (count > 0) {
        long max = events.stream().filter(e -> e[0] > t - width && e[0] <= t).mapToLong(e -> e[1]).max().orElseThrow();
        assertThat(w.max(now)).isEqualTo(max);
      }
    }
  }

  @Test
  void shouldPickAResolutionThatBoundsTheBucketCount() {
    assertThat(SlidingWindow.resolutionFor(300_000)).isEqualTo(100);
    assertThat(SlidingWindow.resolutionFor(900_000)).isEqualTo(100);
    assertThat(SlidingWindow.resolutionFor(3_600_000)).isEqualTo(500);
    assertThat(SlidingWindow.resolutionFor(86_400_000)).as("24 h").isEqualTo(10_000);
    assertThat(SlidingWindow.resolutionFor(7 * 86_400_000L)).as("7 d").isEqualTo(70_000);
    assertThat(SlidingWindow.resolutionFor(30 * 86_400_000L)).as("30 d").isEqualTo(288_000);
    assertThat(SlidingWindow.resolutionFor(90_000_000)).as("25 h").isEqualTo(10_000);
    assertThat(SlidingWindow.resolutionFor(3650 * 86_400_000L) / 1000).as("10 years, in s").isEqualTo(35_040);
    assertThat(SlidingWindow.resolutionFor(86_413_000)).as("86,413 s, a prime: one bucket").isEqualTo(86_413_000);
    assertThat(SlidingWindow.resolutionFor(315_359_981_000L)).as("a prime near 10 years: one bucket, found at once")
        .isEqualTo(315_359_981_000L);
    for (long minutes = 1; minutes <= 400 * 1440L; minutes += 37) {
      long width = minutes * 60_000;
      assertThat(width % SlidingWindow.resolutionFor(width)).isZero();
      assertThat(width / SlidingWindow.resolutionFor(width)).as("%d min", minutes).isLessThanOrEqualTo(SlidingWindow.MAX_BUCKETS);
    }
  }
}
