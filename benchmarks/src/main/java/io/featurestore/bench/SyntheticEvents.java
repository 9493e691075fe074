package io.featurestore.bench;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import io.featurestore.population.Countries;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.math.BigDecimal;
import java.util.SplittableRandom;

/**
 * Valid events for the stream benchmarks, reproducible from a seed: transactions,
 * successful and failed logins, over users {@code u0001 … uN} picked uniformly; each user
 * keeps one country and a couple of devices. A transaction's merchant is one of
 * {@code m0001 … mM} drawn by the population's skewed popularity ({@link Merchants.Popularity}:
 * a few busy, most quiet) for the same seed. Optionally keeps, per user, what the processor must
 * end up with (transaction and failed-login counts, latest login), and per merchant its
 * transactions, to check its result.
 */
final class SyntheticEvents {
  private static final String[] CURRENCIES = {"USD", "EUR", "GBP"};
  /** Shares of transactions and of failed logins; successful logins are the rest. */
  static final double TX_SHARE = 0.6;
  static final double FAILED_LOGIN_SHARE = 0.08;

  private final SplittableRandom random;
  private final int users;
  private final Merchants.Popularity merchants;
  private final int[] txCount;
  private final int[] merchantTxCount;
  private final int[] failedCount;
  private final long[] lastLoginTs;
  private final String[] lastDevice;

  SyntheticEvents(long seed, int users, int merchants, boolean track) {
    this.random = new SplittableRandom(seed);
    this.users = users;
    this.merchants = Merchants.popularity(merchants, seed);
    this.txCount = track ? new int[users] : null;
    this.merchantTxCount = track ? new int[merchants] : null;
    this.failedCount = track ? new int[users] : null;
    this.lastLoginTs = track ? new long[users] : null;
    this.lastDevice = track ? new String[users] : null;
  }

  static String userId(int index) {
    return Population.userId(index + 1L);
  }

  Event next(long ts) {
    return next(random.nextInt(users), ts);
  }

  Event next(int index, long ts) {
    String user = userId(index);
    String country = country(index);
    double kind = random.nextDouble();
    if (kind < TX_SHARE) {
      if (txCount != null) {
        txCount[index]++;
      }
      return transaction(user, ts, country);
    }
    boolean success = kind >= TX_SHARE + FAILED_LOGIN_SHARE;
    String device = (index % 2 == 0 ? "ios-" : "android-") + Integer.toHexString(index * 7 + random.nextInt(2));
    if (txCount != null) {
      if (success && ts > lastLoginTs[index]) {
        lastLoginTs[index] = ts;
        lastDevice[index] = device;
      } else if (!success) {
        failedCount[index]++;
      }
    }
    return new LoginEvent(user, ts, device, country, success);
  }

  /** The country of user {@code index}'s logins and transactions. */
  static String country(int index) {
    return Countries.HOME.get(index % Countries.HOME.size());
  }

  TransactionEvent transaction(String user, long ts, String country) {
    long merchant = merchants.draw(random);
    if (merchantTxCount != null) {
      merchantTxCount[(int) merchant - 1]++;
    }
    return new TransactionEvent(user, ts, BigDecimal.valueOf(100 + random.nextInt(50_000), 2),
        CURRENCIES[random.nextInt(CURRENCIES.length)], country, Merchants.merchantId(merchant));
  }

  Merchants.Popularity merchants() {
    return merchants;
  }

  /** Transactions generated for merchant number {@code n} (1-based). */
  int expectedMerchantTxCount(long n) {
    return merchantTxCount[(int) n - 1];
  }

  int expectedTxCount(int index) {
    return txCount[index];
  }

  int expectedFailedLogins(int index) {
    return failedCount[index];
  }

  /** Event time of the user's latest successful login, 0 if none. */
  long expectedLastLoginTs(int index) {
    return lastLoginTs[index];
  }

  String expectedLastDevice(int index) {
    return lastDevice[index];
  }
}
