package io.featurestore.simulator;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import io.featurestore.population.Countries;
import io.featurestore.population.Draws;
import io.featurestore.population.Merchants;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * A realistic stream of login and transaction events for users {@code u0001 … uN}; pure (no
 * I/O), and deterministic for a seed and a clock. Each call to {@link #next()} returns one event
 * stamped with the clock's time.
 *
 * <p>Normal traffic: {@value #LOGIN_SHARE} of events are logins, the rest transactions, of
 * users drawn uniformly. A login comes from one of the user's 1–2 stable devices (the first
 * one {@value #PRIMARY_DEVICE_SHARE} of the time) and succeeds {@value #LOGIN_SUCCESS_RATE}
 * of the time. Events come from the user's home country (the one the materializer wrote for
 * the same seed), or with probability {@value #TRAVEL_RATE} from another one. Amounts are
 * log-normal (median about {@value #MEDIAN_AMOUNT_USD} US dollars, converted to the currency of
 * the event's country, 2 decimals). Merchants are the materializer's {@code m0001 … mM} for the
 * same seed, drawn by their popularity ({@link Merchants.Popularity}: Zipf's law over a seeded
 * ranking), so a few merchants are busy and most are quiet.
 *
 * <p>Fraud-like bursts: with probability {@code fraudRate} an event starts a burst instead of
 * being a normal one, half of them of each kind:
 * <ul>
 *   <li>account takeover: {@value #TAKEOVER_MIN_FAILURES}–{@value #TAKEOVER_MAX_FAILURES}
 *       failed logins of one user within a minute from a device and a country it never used,
 *       ending {@value #TAKEOVER_SUCCESS_SHARE} of the time with a successful login;</li>
 *   <li>spending spree: {@value #SPREE_MIN}–{@value #SPREE_MAX} transactions of one user within
 *       two minutes at merchants drawn uniformly (the busy ones are no likelier: fraudsters spread
 *       out), either card testing (tiny amounts) or large amounts,
 *       half of the time abroad.</li>
 * </ul>
 * A burst's events are spread over its window by the clock: each is returned by the first call
 * to {@code next()} at or after its time, in place of a normal event, so bursts count towards
 * the caller's rate. At a rate too low to fit a burst in its window, the burst stretches.
 */
final class EventGenerator {
  static final double LOGIN_SHARE = 0.30;
  static final double LOGIN_SUCCESS_RATE = 0.95;
  static final double PRIMARY_DEVICE_SHARE = 0.8;
  static final double TRAVEL_RATE = 0.01;
  static final double MEDIAN_AMOUNT_USD = 35.0;
  static final double AMOUNT_SIGMA = 0.9;
  static final double MAX_AMOUNT_USD = 20_000.0;

  static final double DEFAULT_FRAUD_RATE = 0.001;
  static final int TAKEOVER_MIN_FAILURES = 8;
  static final int TAKEOVER_MAX_FAILURES = 20;
  static final long TAKEOVER_WINDOW_MS = 55_000;
  static final double TAKEOVER_SUCCESS_SHARE = 0.3;
  static final int SPREE_MIN = 10;
  static final int SPREE_MAX = 30;
  static final long SPREE_WINDOW_MS = 120_000;
  static final double CARD_TESTING_SHARE = 0.5;
  static final double SPREE_MEDIAN_USD = 150.0;

  private final int users;
  private final Merchants.Popularity merchants;
  private final long seed;
  private final double fraudRate;
  private final LongSupplier clock;
  private final SplittableRandom random;
  private final PriorityQueue<Scheduled> scheduled =
      new PriorityQueue<>(Comparator.comparingLong(Scheduled::due).thenComparingLong(Scheduled::sequence));
  private long sequence;
  private long normalEvents;
  private long takeovers;
  private long sprees;

  /** With {@link Merchants#DEFAULT_COUNT} merchants. */
  EventGenerator(int users, long seed, double fraudRate, LongSupplier clock) {
    this(users, Merchants.DEFAULT_COUNT, seed, fraudRate, clock);
  }

  /**
   * @param users     users {@code u0001 … u<users>}
   * @param merchants merchants {@code m0001 … m<merchants>}
   * @param seed      the materializer's seed, so home countries match; also seeds the stream and
   *                  the merchants' popularity
   * @param fraudRate probability in [0, 1] that an event starts a fraud-like burst
   * @param clock     epoch millis; the events' {@code ts}
   */
  EventGenerator(int users, int merchants, long seed, double fraudRate, LongSupplier clock) {
    if (users < 1) {
      throw new IllegalArgumentException("users must be >= 1, not " + users);
    }
    if (!(fraudRate >= 0 && fraudRate <= 1)) {
      throw new IllegalArgumentException("fraud rate must be within [0, 1], not " + fraudRate);
    }
    this.users = users;
    this.merchants = Merchants.popularity(merchants, seed);
    this.seed = seed;
    this.fraudRate = fraudRate;
    this.clock = clock;
    this.random = new SplittableRandom(seed);
  }

  Event next() {
    long now = clock.getAsLong();
    Scheduled due = scheduled.peek();
    if (due != null && due.due() <= now) {
      scheduled.poll();
      return withTs(due.event(), now);
    }
    if (fraudRate > 0 && random.nextDouble() < fraudRate) {
      startBurst(now);
      return withTs(scheduled.poll().event(), now);
    }
    normalEvents++;
    SimulatedUsers.Profile user = randomUser();
    return random.nextDouble() < LOGIN_SHARE ? login(user, now) : transaction(user, now);
  }

  Merchants.Popularity merchants() {
    return merchants;
  }

  /** Events that were not part of a burst. */
  long normalEvents() {
    return normalEvents;
  }

  long takeoverBursts() {
    return takeovers;
  }

  long spreeBursts() {
    return sprees;
  }

  private SimulatedUsers.Profile randomUser() {
    return SimulatedUsers.profile(1 + random.nextInt(users), seed);
  }

  private LoginEvent login(SimulatedUsers.Profile user, long now) {
    List<String> devices = user.devices();
    String device = devices.size() == 1 || random.nextDouble() < PRIMARY_DEVICE_SHARE
        ? devices.get(0) : devices.get(1 + random.nextInt(devices.size() - 1));
    return new LoginEvent(user.userId(), now, device, eventCountry(user), random.nextDouble() < LOGIN_SUCCESS_RATE);
  }

  private TransactionEvent transaction(SimulatedUsers.Profile user, long now) {
    String country = eventCountry(user);
    double usd = Math.exp(Math.log(MEDIAN_AMOUNT_USD) + AMOUNT_SIGMA * Draws.gaussian(random));
    return transaction(user, now, country, usd, merchants.draw(random));
  }

  private TransactionEvent transaction(SimulatedUsers.Profile user, long ts, String country, double usd, long merchant) {
    Countries.Money money = money(country);
    double units = Math.min(usd, MAX_AMOUNT_USD) * money.unitsPerUsd();
    BigDecimal amount = BigDecimal.valueOf(Math.max(0.01, units)).setScale(2, RoundingMode.HALF_UP);
    return new TransactionEvent(user.userId(), ts, amount, money.currency(), country, Merchants.merchantId(merchant));
  }

  private String eventCountry(SimulatedUsers.Profile user) {
    return random.nextDouble() < TRAVEL_RATE ? otherCountry(user.homeCountry()) : user.homeCountry();
  }

  private String otherCountry(String home) {
    String country;
    do {
      country = Countries.ALL.get(random.nextInt(Countries.ALL.size()));
    } while (country.equals(home));
    return country;
  }

  private void startBurst(long now) {
    SimulatedUsers.Profile user = randomUser();
    if (random.nextBoolean()) {
      takeovers++;
      scheduleTakeover(user, now);
    } else {
      sprees++;
      scheduleSpree(user, now);
    }
  }

  private void scheduleTakeover(SimulatedUsers.Profile user, long now) {
    String device;
    do {
      device = SimulatedUsers.randomDevice(random);
    } while (user.devices().contains(device));
    String country = otherCountry(user.homeCountry());
    int failures = TAKEOVER_MIN_FAILURES + random.nextInt(TAKEOVER_MAX_FAILURES - TAKEOVER_MIN_FAILURES + 1);
    long last = now;
    for (int i = 0; i < failures; i++) {
      long due = i == 0 ? now : now + (long) (random.nextDouble() * TAKEOVER_WINDOW_MS);
      last = Math.max(last, due);
      schedule(due, new LoginEvent(user.userId(), due, device, country, false));
    }
    if (random.nextDouble() < TAKEOVER_SUCCESS_SHARE) {
      long due = last + 1_000 + random.nextInt(4_000);
      schedule(due, new LoginEvent(user.userId(), due, device, country, true));
    }
  }

  private void scheduleSpree(SimulatedUsers.Profile user, long now) {
    String country = random.nextBoolean() ? user.homeCountry() : otherCountry(user.homeCountry());
    boolean cardTesting = random.nextDouble() < CARD_TESTING_SHARE;
    int count = SPREE_MIN + random.nextInt(SPREE_MAX - SPREE_MIN + 1);
    for (int i = 0; i < count; i++) {
      long due = i == 0 ? now : now + (long) (random.nextDouble() * SPREE_WINDOW_MS);
      double usd = cardTesting
          ? 0.5 + random.nextDouble() * 4.5
          : Math.exp(Math.log(SPREE_MEDIAN_USD) + 0.6 * Draws.gaussian(random));
      schedule(due, transaction(user, due, country, usd, 1 + random.nextInt(merchants.count())));
    }
  }

  private void schedule(long due, Event event) {
    scheduled.add(new Scheduled(due, sequence++, event));
  }

  private static Countries.Money money(String country) {
    return Countries.money(country).orElseThrow(() -> new IllegalStateException(
        "no currency known for country " + country + ": add it to " + Countries.class.getName()));
  }

  private static Event withTs(Event event, long ts) {
    if (event instanceof LoginEvent login) {
      return new LoginEvent(login.userId(), ts, login.deviceId(), login.country(), login.success());
    }
    TransactionEvent tx = (TransactionEvent) event;
    return new TransactionEvent(tx.userId(), ts, tx.amount(), tx.currency(), tx.country(), tx.merchantId());
  }

  /** A burst event waiting for its time; the sequence keeps equal times in scheduling order. */
  private record Scheduled(long due, long sequence, Event event) {}
}
