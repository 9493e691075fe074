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
    String digits = Long.toString(n);
    return digits.length() >= 4 ? "u" + digits : "u" + "0000".substring(digits.length()) + digits;
  }

  /** The number of a synthetic id ({@code u0042} → 42); empty for any other id, including {@code u42}. */
  public static OptionalLong numberOf(String userId) {
    if (userId == null || userId.length() < 5 || userId.length() > 19 || userId.charAt(0) != 'u') {
      return OptionalLong.empty();
    }
    for (int i = 1; i < userId.length(); i++) {
      char c = userId.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
    }
    long n = Long.parseLong(userId.substring(1));
    return n >= 1 && userId(n).equals(userId) ? OptionalLong.of(n) : OptionalLong.empty();
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
