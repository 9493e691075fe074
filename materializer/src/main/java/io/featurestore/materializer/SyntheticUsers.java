package io.featurestore.materializer;

import io.featurestore.core.EntityRow;
import io.featurestore.population.Countries;
import io.featurestore.population.Draws;
import io.featurestore.population.Population;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The batch features of the synthetic users {@code u0001 … uN} ({@link Population}): each
 * user's values depend only on the seed and the user's number, so {@code u0042} is the same
 * user whatever the count, and the event simulator knows its home country.
 *
 * <p>Distributions: country weighted towards large markets; risk segment 80/15/5 %
 * low/medium/high; account age roughly exponential (mean ~2 years, at most 10); weekly
 * transactions Poisson around a per-user activity level; 30-day mean amount log-normal
 * (median ~45); chargebacks rare and concentrated in the high-risk segment.
 */
public final class SyntheticUsers {
  private SyntheticUsers() {}

  public static Iterator<EntityRow> generate(long count, long seed) {
    return rows(count, n -> user(n, seed));
  }

  /** Rows 1..count, each made when it is asked for, so millions of rows never sit in memory. */
  static Iterator<EntityRow> rows(long count, java.util.function.LongFunction<EntityRow> row) {
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
        return row.apply(next++);
      }
    };
  }

  static EntityRow user(long n, long seed) {
    SplittableRandom r = Population.attributes(n, seed);
    String country = Countries.drawHome(r);
    double u = r.nextDouble();
    String risk = u < 0.80 ? "low" : u < 0.95 ? "medium" : "high";
    long ageDays = Math.min(3650, (long) (-Math.log(1 - r.nextDouble()) * 700));
    double activity = 0.5 + r.nextDouble() * 2.5 * (ageDays < 30 ? 0.5 : 1.0);
    long tx7d = Draws.poisson(r, activity * 4);
    double avgAmount = Math.round(Math.exp(Math.log(45) + 0.8 * Draws.gaussian(r)) * 100) / 100.0;
    double chargebackRate = risk.equals("high") ? 0.8 : risk.equals("medium") ? 0.15 : 0.02;
    long chargebacks = Draws.poisson(r, chargebackRate);
    return new EntityRow(Population.userId(n), Map.of(
        "country_iso", country,
        "risk_segment", risk,
        "account_age_days", Long.toString(ageDays),
        "tx_count_7d", Long.toString(tx7d),
        "avg_amount_30d", Double.toString(avgAmount),
        "chargeback_count_180d", Long.toString(chargebacks)));
  }
}
