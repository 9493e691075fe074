package io.featurestore.population;

import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The synthetic users {@code u0001 … uN}: their ids and the attributes drawn from a seed. User
 * {@code n}'s attributes depend only on the seed and {@code n}, never on how many users there are,
 * so the materializer's {@code u0042} and the event simulator's {@code u0042} are the same user.
 */
public final class Population {
  private Population() {}

  /** The id of user number {@code n} (1-based): {@code u0001}, …, {@code u9999}, {@code u10000}, … */
  public static String userId(long n) {
    return SyntheticIds.format('u', n);
  }

  /** The number of a synthetic id ({@code u0042} → 42); empty for any other id, including {@code u42}. */
  public static OptionalLong numberOf(String userId) {
    return SyntheticIds.parse('u', userId);
  }

  /**
   * The random stream of user {@code n}'s attributes. Its first draw is the home country
   * ({@link Countries#drawHome}); the materializer draws the batch features after it. Attributes
   * drawn independently of those take the stream of a salted seed ({@code seed ^ SALT}).
   */
  public static SplittableRandom attributes(long n, long seed) {
    // Mixing seed and number keeps users independent of each other.
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + n);
  }

  /** The home country of user {@code n}: what the materializer writes as its {@code country_iso}. */
  public static String homeCountry(long n, long seed) {
    return Countries.drawHome(attributes(n, seed));
  }
}
