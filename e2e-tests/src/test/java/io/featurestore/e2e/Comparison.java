package io.featurestore.e2e;

import io.featurestore.core.FeatureVector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Every user's streaming features as Redis holds them, against the reference computed from
 * the input topics. A count read from Redis is right when it equals the reference at some time
 * in {@code [earliest, latest]}: the span of the read, widened by the processor's update
 * interval on both sides. With every event older than {@code earliest}, counts can only fall
 * over that span, so the reference is the range from the count at {@code latest} to the count
 * at {@code earliest}. An absent count means zero.
 *
 * @param users          users compared
 * @param mismatched     users with any feature off
 * @param lost           events the reference counts and Redis does not, over all users and counts
 * @param doubleCounted  events Redis counts beyond the reference
 * @param staleLastLogin users whose {@code last_login_ts} is not their newest successful login
 * @param examples       the first few mismatches, for the failure message
 */
record Comparison(int users, int mismatched, long lost, long doubleCounted, int staleLastLogin, List<String> examples) {
  private static final int MAX_EXAMPLES = 10;

  /**
   * @param checkLastLogin whether to check {@code last_login_ts} too: only right while every login of
   *                  the run is younger than the stream TTL, which a scenario with a short TTL is not
   */
  static Comparison of(InputEvents input, Collection<String> users, Map<String, FeatureVector> observed, long earliest,
      long latest, boolean checkLastLogin) {
    if (input.newestTs() > earliest) {
      throw new IllegalStateException("an event is newer than the comparison's start (" + input.newestTs() + " > "
          + earliest + "): compare only once the input is quiet");
    }
    int mismatched = 0;
    long lost = 0;
    long doubled = 0;
    int staleLogin = 0;
    List<String> examples = new ArrayList<>();
    for (String user : users) {
      FeatureVector v = observed.get(user);
      List<String> wrong = new ArrayList<>();
      long[] tx = check(wrong, "tx_count_5m", value(v, "tx_count_5m"), input.transactionsAt(user, latest),
          input.transactionsAt(user, earliest));
      long[] failed = check(wrong, "failed_logins_15m", value(v, "failed_logins_15m"),
          input.failedLoginsAt(user, latest), input.failedLoginsAt(user, earliest));
      lost += tx[0] + failed[0];
      doubled += tx[1] + failed[1];
      OptionalLong lastLogin = input.lastLoginTs(user);
      Object stored = v == null ? null : v.values().get("last_login_ts");
      boolean loginRight = !checkLastLogin
          || (lastLogin.isPresent() ? Long.valueOf(lastLogin.getAsLong()).equals(stored) : stored == null);
      if (!loginRight) {
        staleLogin++;
        wrong.add("last_login_ts " + stored + " (reference " + (lastLogin.isPresent() ? lastLogin.getAsLong() : "none") + ")");
      }
      if (!wrong.isEmpty()) {
        mismatched++;
        if (examples.size() < MAX_EXAMPLES) {
          examples.add(user + ": " + String.join(", ", wrong));
        }
      }
    }
    return new Comparison(users.size(), mismatched, lost, doubled, staleLogin, List.copyOf(examples));
  }

  /**
   * Every merchant's {@code merchant_tx_count_1h}, computed through the repartition topic,
   * against the reference: the same rule as the users' counts.
   */
  static Comparison ofMerchants(InputEvents input, Map<String, FeatureVector> observed, long earliest, long latest) {
    int mismatched = 0;
    long lost = 0;
    long doubled = 0;
    List<String> examples = new ArrayList<>();
    for (String merchant : input.merchants()) {
      List<String> wrong = new ArrayList<>();
      long[] off = check(wrong, InputEvents.MERCHANT_COUNT, value(observed.get(merchant), InputEvents.MERCHANT_COUNT),
          input.merchantTransactionsAt(merchant, latest), input.merchantTransactionsAt(merchant, earliest));
      lost += off[0];
      doubled += off[1];
      if (!wrong.isEmpty()) {
        mismatched++;
        if (examples.size() < MAX_EXAMPLES) {
          examples.add(merchant + ": " + String.join(", ", wrong));
        }
      }
    }
    return new Comparison(input.merchants().size(), mismatched, lost, doubled, 0, List.copyOf(examples));
  }

  /** Returns {lost, double-counted} for one count whose reference lies in {@code [low, high]}. */
  private static long[] check(List<String> wrong, String feature, long value, int low, int high) {
    if (value < low) {
      wrong.add(feature + " " + value + " (reference " + low + ")");
      return new long[] {low - value, 0};
    }
    if (value > high) {
      wrong.add(feature + " " + value + " (reference " + high + ")");
      return new long[] {0, value - high};
    }
    return new long[] {0, 0};
  }

  private static long value(FeatureVector v, String feature) {
    Object value = v == null ? null : v.values().get(feature);
    if (value == null) {
      return 0;
    }
    if (value instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalStateException(feature + " is not a number: " + value);
  }

  boolean exact() {
    return mismatched == 0;
  }
}
