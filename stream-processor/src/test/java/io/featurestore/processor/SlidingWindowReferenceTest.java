package io.featurestore.processor;

import static io.featurestore.processor.TopologyHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random event streams through the real topology, compared at random read times with a
 * brute-force count of the same events: at time T a count is the number of events with
 * {@code T - window < ts <= T}.
 */
class SlidingWindowReferenceTest {
  private static final long TX_WINDOW_MS = 5 * 60_000L;
  private static final long FAILED_LOGIN_WINDOW_MS = 15 * 60_000L;

  private record Sent(String user, boolean transaction, long ts) {
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void shouldMatchABruteForceCountAtEveryReadTime(long seed) {
    Random random = new Random(seed);
    List<Sent> sent = new ArrayList<>();
    String[] users = {"u1", "u2", "u3", "u4", "u5"};
    try (TopologyHarness h = new TopologyHarness(120)) {
      for (int step = 0; step < 400; step++) {
        int burst = random.nextInt(4);
        for (int i = 0; i < burst; i++) {
          String user = users[random.nextInt(users.length)];
          boolean transaction = random.nextBoolean();
          long window = transaction ? TX_WINDOW_MS : FAILED_LOGIN_WINDOW_MS;
          // Mostly recent, some out of order, some too old for the window, a few slightly in the future.
          long offset = switch (random.nextInt(10)) {
            case 0 -> -(window + random.nextInt(60_000));
            case 1 -> random.nextInt(3_000);
            default -> -random.nextInt((int) window);
          };
          long ts = h.now() + offset;
          if (transaction) {
            h.transaction(user, ts);
          } else {
            h.login(user, ts, false, "d");
          }
          sent.add(new Sent(user, transaction, ts));
        }
        h.advance(Duration.ofMillis(100L * (1 + random.nextInt(50))));
        long now = h.now();
        for (String user : users) {
          assertThat(h.redis.count(user, "tx_count_5m")).as("tx of %s at +%d ms", user, now - T0)
              .isEqualTo(reference(sent, user, true, now));
          assertThat(h.redis.count(user, "failed_logins_15m")).as("failed logins of %s at +%d ms", user, now - T0)
              .isEqualTo(reference(sent, user, false, now));
        }
      }
    }
  }

  private static long reference(List<Sent> sent, String user, boolean transaction, long now) {
    long window = transaction ? TX_WINDOW_MS : FAILED_LOGIN_WINDOW_MS;
    return sent.stream()
        .filter(e -> e.user().equals(user) && e.transaction() == transaction)
        .filter(e -> e.ts() > now - window && e.ts() <= now)
        .count();
  }
}
