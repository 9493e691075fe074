package io.featurestore.population;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The synthetic merchants {@code m0001 … mN}: their ids, the attributes the materializer loads as
 * their batch features, and how popular each is, which the event simulator draws the merchants of
 * its transactions from. Merchant {@code n}'s attributes depend only on the seed and {@code n},
 * never on how many merchants there are, so the materializer's {@code m0042} and the simulator's
 * {@code m0042} are the same merchant and their batch and streaming features meet in one hash.
 *
 * <p>Attributes: a category (grocery and restaurants common, gambling rare); an age, roughly
 * exponential with a mean of about three years, at most 20; a risk tier, 75/20/5 % low/medium/high,
 * higher for the categories fraud favours ({@link #HIGH_RISK_CATEGORIES}) and for merchants younger
 * than {@value #NEW_MERCHANT_DAYS} days.
 *
 * <p>Popularity ({@link Popularity}): Zipf's law over a seeded ranking, so a few merchants are
 * busy and most are quiet: the merchant of rank {@code r} gets a share proportional to
 * {@code 1 / r}; with 1,000 merchants the busiest sees about 13 % of transactions and the busiest
 * 1 % (10 merchants) about 39 %. Which merchant has which rank follows the seed, not the number,
 * so the busy ones are spread over the ids rather than being {@code m0001, m0002, …}.
 */
public final class Merchants {
  /** The materializer's and the simulator's number of synthetic merchants unless told otherwise. */
  public static final int DEFAULT_COUNT = 1_000;

  /** Categories, in the fixed order of their shares below (it decides which merchant sells what for a seed). */
  public static final List<String> CATEGORIES = List.of("grocery", "restaurants", "retail", "fuel", "electronics",
      "travel", "entertainment", "health", "digital_goods", "services", "money_transfer", "gambling");
  private static final double[] CATEGORY_SHARES =
      {0.18, 0.16, 0.14, 0.08, 0.07, 0.06, 0.06, 0.06, 0.07, 0.07, 0.03, 0.02};
  /** Categories in which fraud is more common: their merchants are riskier. */
  public static final List<String> HIGH_RISK_CATEGORIES = List.of("digital_goods", "money_transfer", "gambling");
  public static final List<String> RISK_TIERS = List.of("low", "medium", "high");
  /** Merchants younger than this are riskier. */
  public static final int NEW_MERCHANT_DAYS = 90;
  static final double MEAN_AGE_DAYS = 1_100;
  static final long MAX_AGE_DAYS = 7_300;
  /** The exponent {@code s} of Zipf's law: rank {@code r} is drawn in proportion to {@code 1 / r^s}. */
  public static final double ZIPF_EXPONENT = 1.0;

  /** Keeps a merchant's draws apart from the user of the same number's. */
  private static final long ATTRIBUTE_SALT = 0x6D65726368616E74L;
  /** Keeps the popularity ranking apart from the attributes. */
  private static final long POPULARITY_SALT = 0x706F70756C6172L;

  private Merchants() {}

  /** A synthetic merchant: what the materializer writes as its batch features. */
  public record Merchant(long number, String merchantId, String category, String riskTier, long ageDays) {}

  /** The id of merchant number {@code n} (1-based): {@code m0001}, …, {@code m9999}, {@code m10000}, … */
  public static String merchantId(long n) {
    return SyntheticIds.format('m', n);
  }

  /** The number of a synthetic merchant id ({@code m0042} → 42); empty for any other id, including {@code m042}. */
  public static OptionalLong numberOf(String merchantId) {
    return SyntheticIds.parse('m', merchantId);
  }

  /** The random stream of merchant {@code n}'s attributes. */
  public static SplittableRandom attributes(long n, long seed) {
    return Population.attributes(n, seed ^ ATTRIBUTE_SALT);
  }

  /** Merchant {@code n} for {@code seed}: the same whatever the number of merchants. */
  public static Merchant merchant(long n, long seed) {
    SplittableRandom r = attributes(n, seed);
    String category = CATEGORIES.get(Draws.weighted(r, CATEGORY_SHARES));
    long ageDays = Math.max(1, Math.min(MAX_AGE_DAYS, Math.round(-Math.log(1 - r.nextDouble()) * MEAN_AGE_DAYS)));
    double high = HIGH_RISK_CATEGORIES.contains(category) ? 0.25 : 0.05;
    double medium = HIGH_RISK_CATEGORIES.contains(category) ? 0.35 : 0.20;
    if (ageDays < NEW_MERCHANT_DAYS) {
      high += 0.10;
    }
    double u = r.nextDouble();
    String risk = u < high ? "high" : u < high + medium ? "medium" : "low";
    return new Merchant(n, merchantId(n), category, risk, ageDays);
  }

  /** The popularity of merchants {@code m0001 … m<count>} for {@code seed}. */
  public static Popularity popularity(int count, long seed) {
    return new Popularity(count, seed);
  }

  /**
   * How often each of {@code count} merchants is chosen: Zipf's law over a ranking drawn from the
   * seed. Each merchant gets a key from its own seeded stream, and the merchants are ranked by
   * key, so a merchant keeps its place relative to the others whatever the count. Deterministic
   * for a count and a seed; a draw is a binary search, O(log count).
   */
  public static final class Popularity {
    /** Enough for any simulated city; two arrays of this many entries. */
    public static final int MAX_COUNT = 10_000_000;

    private final int count;
    /** Merchant number of each rank, busiest first. */
    private final int[] byRank;
    /** Rank (0-based) of each merchant number (index {@code n - 1}). */
    private final int[] rankOf;
    /** Cumulative weight up to and including each rank; the last entry is the total. */
    private final double[] cumulative;

    private Popularity(int count, long seed) {
      if (count < 1 || count > MAX_COUNT) {
        throw new IllegalArgumentException("merchant count must be from 1 to " + MAX_COUNT + ", not " + count);
      }
      this.count = count;
      // A 31-bit key per merchant above its number: sorting the longs sorts by key, then by number.
      long[] keyed = new long[count];
      for (int n = 1; n <= count; n++) {
        long key = Population.attributes(n, seed ^ POPULARITY_SALT).nextInt() >>> 1;
        keyed[n - 1] = key << 32 | n;
      }
      Arrays.sort(keyed);
      byRank = new int[count];
      rankOf = new int[count];
      cumulative = new double[count];
      double sum = 0;
      for (int rank = 0; rank < count; rank++) {
        int n = (int) keyed[count - 1 - rank];
        byRank[rank] = n;
        rankOf[n - 1] = rank;
        sum += weight(rank);
        cumulative[rank] = sum;
      }
    }

    private static double weight(int rank) {
      return 1 / Math.pow(rank + 1, ZIPF_EXPONENT);
    }

    public int count() {
      return count;
    }

    /** A merchant number from 1 to {@link #count()}, drawn in proportion to the merchants' shares. */
    public long draw(SplittableRandom random) {
      double u = random.nextDouble() * cumulative[count - 1];
      int i = Arrays.binarySearch(cumulative, u);
      int rank = i >= 0 ? i + 1 : -i - 1; // the first rank whose cumulative weight exceeds u
      return byRank[Math.min(rank, count - 1)];
    }

    /** Merchant {@code n}'s expected share of the draws, in (0, 1]. */
    public double share(long n) {
      if (n < 1 || n > count) {
        throw new IllegalArgumentException("no merchant " + n + " among " + count);
      }
      return weight(rankOf[(int) n - 1]) / cumulative[count - 1];
    }

    /** The {@code k} busiest merchants' numbers, busiest first. */
    public List<Long> busiest(int k) {
      List<Long> out = new ArrayList<>(Math.min(k, count));
      for (int rank = 0; rank < Math.min(k, count); rank++) {
        out.add((long) byRank[rank]);
      }
      return out;
    }
  }
}
