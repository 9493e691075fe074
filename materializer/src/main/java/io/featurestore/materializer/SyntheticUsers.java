package io.featurestore.materializer;

import io.featurestore.core.EntityRow;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Deterministic synthetic users {@code u0001 … uN} with plausible batch features. Each
 * user's values depend only on the seed and the user's number, so {@code u0042} is the
 * same user whatever the count, and the event simulator can reproduce its country.
 *
 * <p>Distributions: country weighted towards large markets; risk segment 80/15/5 %
 * low/medium/high; account age roughly exponential (mean ~2 years, at most 10); weekly
 * transactions Poisson around a per-user activity level; 30-day mean amount log-normal
 * (median ~45); chargebacks rare and concentrated in the high-risk segment.
 */
public final class SyntheticUsers {
  static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "IN", "BR", "ES", "IT", "NL", "CA", "PL", "SE"};
  private static final double[] COUNTRY_WEIGHTS = {0.30, 0.12, 0.10, 0.08, 0.08, 0.07, 0.06, 0.05, 0.04, 0.04, 0.03, 0.03};

  private SyntheticUsers() {}

  /** The id of user number {@code n} (1-based): {@code u0001}, …, {@code u9999}, {@code u10000}, … */
  public static String userId(long n) {
    String digits = Long.toString(n);
    return digits.length() >= 4 ? "u" + digits : "u" + "0000".substring(digits.length()) + digits;
  }

  public static Iterator<EntityRow> generate(long count, long seed) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, not " + count);
    }
    return new Iterator<>() {
      private long next = 1;

      @Override
      public boolean hasNext() {
        return next <= count;
      }

      @Override
      public EntityRow next() {
        if (next > count) {
          throw new NoSuchElementException();
        }
        return user(next++, seed);
      }
    };
  }

  /** The home country of user number {@code n}: what {@link #user} writes as {@code country_iso}. */
  public static String countryOf(long n, long seed) {
    return COUNTRIES[pick(random(n, seed), COUNTRY_WEIGHTS)];
  }

  static EntityRow user(long n, long seed) {
    SplittableRandom r = random(n, seed);
    String country = COUNTRIES[pick(r, COUNTRY_WEIGHTS)];
    double u = r.nextDouble();
    String risk = u < 0.80 ? "low" : u < 0.95 ? "medium" : "high";
    long ageDays = Math.min(3650, (long) (-Math.log(1 - r.nextDouble()) * 700));
    double activity = 0.5 + r.nextDouble() * 2.5 * (ageDays < 30 ? 0.5 : 1.0);
    long tx7d = poisson(r, activity * 4);
    double avgAmount = Math.round(Math.exp(Math.log(45) + 0.8 * gaussian(r)) * 100) / 100.0;
    double chargebackRate = risk.equals("high") ? 0.8 : risk.equals("medium") ? 0.15 : 0.02;
    long chargebacks = poisson(r, chargebackRate);
    return new EntityRow(userId(n), Map.of(
        "country_iso", country,
        "risk_segment", risk,
        "account_age_days", Long.toString(ageDays),
        "tx_count_7d", Long.toString(tx7d),
        "avg_amount_30d", Double.toString(avgAmount),
        "chargeback_count_180d", Long.toString(chargebacks)));
  }

  private static SplittableRandom random(long n, long seed) {
    // A per-user stream: mixing seed and number keeps users independent of each other.
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + n);
  }

  private static int pick(SplittableRandom r, double[] weights) {
    double u = r.nextDouble();
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      if (u < sum) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static long poisson(SplittableRandom r, double mean) {
    double limit = Math.exp(-mean);
    double p = r.nextDouble();
    long k = 0;
    while (p > limit) {
      p *= r.nextDouble();
      k++;
    }
    return k;
  }

  private static double gaussian(SplittableRandom r) {
    // Box–Muller: SplittableRandom has no nextGaussian on Java 17.
    double u1 = 1 - r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
