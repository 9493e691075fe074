package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import io.featurestore.population.Countries;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {
  /** 2025-06-15: in the past, so EventJson's "not in the future" rule holds whatever the test machine's date. */
  private static final long START = 1_750_000_000_000L;
  private static final long SEED = 42;

  /** Generates {@code count} events on a fake clock that advances {@code stepMillis} per event. */
  private static List<Event> generate(long seed, int users, double fraudRate, int count, long stepMillis) {
    return generate(seed, users, Merchants.DEFAULT_COUNT, fraudRate, count, stepMillis);
  }

  private static List<Event> generate(long seed, int users, int merchants, double fraudRate, int count, long stepMillis) {
    AtomicLong clock = new AtomicLong(START);
    EventGenerator generator = new EventGenerator(users, merchants, seed, fraudRate, clock::get);
    List<Event> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(generator.next());
      clock.addAndGet(stepMillis);
    }
    return events;
  }

  private static long number(Event event) {
    return Population.numberOf(event.userId()).orElseThrow();
  }

  @Test
  void shouldBeDeterministicForASeedAndAClock() {
    assertThat(generate(SEED, 500, 0.01, 5_000, 7)).isEqualTo(generate(SEED, 500, 0.01, 5_000, 7));
    assertThat(generate(SEED + 1, 500, 0.01, 5_000, 7)).isNotEqualTo(generate(SEED, 500, 0.01, 5_000, 7));
  }

  @Test
  void shouldStampEventsWithTheClock() {
    List<Event> events = generate(SEED, 100, 0.05, 2_000, 3);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).ts()).isEqualTo(START + 3L * i);
    }
  }

  @Test
  void shouldKeepEachUsersDevicesStable() {
    for (long n = 1; n <= 1_000; n++) {
      List<String> devices = SimulatedUsers.devicesOf(n, SEED);
      assertThat(devices).hasSizeBetween(1, 2).doesNotHaveDuplicates().isEqualTo(SimulatedUsers.devicesOf(n, SEED))
          .allMatch(d -> d.matches("(ios|android|web)-[0-9a-f]{4}"));
    }
    Map<Long, List<String>> seen = new HashMap<>();
    for (Event event : generate(SEED, 200, 0, 20_000, 10)) {
      if (event instanceof LoginEvent login) {
        assertThat(SimulatedUsers.devicesOf(number(login), SEED)).contains(login.deviceId());
        seen.computeIfAbsent(number(login), n -> new ArrayList<>()).add(login.deviceId());
      }
    }
    long twoDevices = seen.values().stream().filter(d -> d.stream().distinct().count() == 2).count();
    assertThat(twoDevices).as("users seen on two devices").isBetween(40L, 120L);
  }

  @Test
  void shouldMixTypesCloseToTheTarget() {
    List<Event> events = generate(SEED, 1_000, 0, 50_000, 10);
    long logins = events.stream().filter(e -> e instanceof LoginEvent).count();
    long successes = events.stream().filter(e -> e instanceof LoginEvent l && l.success()).count();
    long atHome = events.stream().filter(e -> country(e).equals(Population.homeCountry(number(e), SEED))).count();

    assertThat((double) logins / events.size()).isCloseTo(EventGenerator.LOGIN_SHARE, within(0.01));
    assertThat((double) successes / logins).isCloseTo(EventGenerator.LOGIN_SUCCESS_RATE, within(0.01));
    assertThat((double) atHome / events.size()).isCloseTo(1 - EventGenerator.TRAVEL_RATE, within(0.005));
  }

  @Test
  void shouldGiveTransactionsPlausibleAmountsCurrenciesAndSkewedMerchants() {
    Map<String, Integer> byMerchant = new HashMap<>();
    List<Double> usd = new ArrayList<>();
    for (Event event : generate(SEED, 1_000, 0, 50_000, 10)) {
      if (event instanceof TransactionEvent tx) {
        Countries.Money money = Countries.money(tx.country()).orElseThrow();
        assertThat(tx.currency()).isEqualTo(money.currency());
        assertThat(tx.amount().scale()).isEqualTo(2);
        assertThat(tx.amount().signum()).isPositive();
        assertThat(tx.merchantId()).matches("m\\d{4}");
        assertThat(Merchants.numberOf(tx.merchantId()).orElse(-1)).isBetween(1L, (long) Merchants.DEFAULT_COUNT);
        byMerchant.merge(tx.merchantId(), 1, Integer::sum);
        usd.add(tx.amount().doubleValue() / money.unitsPerUsd());
      }
    }
    usd.sort(null);
    assertThat(usd.get(usd.size() / 2)).as("median amount in USD").isBetween(30.0, 40.0);
    assertThat(byMerchant).hasSizeGreaterThan(900);
  }

  @Test
  void shouldSendMostTransactionsToAFewBusyMerchantsOfTheMaterializersIds() {
    int merchants = 1_000;
    Merchants.Popularity popularity = Merchants.popularity(merchants, SEED);
    Map<String, Integer> byMerchant = new HashMap<>();
    int transactions = 0;
    for (Event event : generate(SEED, 1_000, merchants, 0, 100_000, 10)) {
      if (event instanceof TransactionEvent tx) {
        transactions++;
        byMerchant.merge(tx.merchantId(), 1, Integer::sum);
      }
    }
    long top = popularity.busiest(merchants / 100).stream()
        .mapToLong(n -> byMerchant.getOrDefault(Merchants.merchantId(n), 0)).sum();
    assertThat(top / (double) transactions).as("share of the busiest 1 % of merchants").isBetween(0.35, 0.43);
    String busiest = Merchants.merchantId(popularity.busiest(1).get(0));
    assertThat(byMerchant.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey())
        .isEqualTo(busiest).isEqualTo("m0883");
    List<Integer> counts = new ArrayList<>(byMerchant.values());
    counts.sort(null);
    assertThat(counts.get(counts.size() / 2)).as("the median merchant: quiet").isLessThan(transactions / 1_000);
  }

  @Test
  void shouldDrawMerchantsOnlyAmongTheConfiguredCount() {
    for (Event event : generate(SEED, 100, 25, 0.05, 20_000, 10)) {
      if (event instanceof TransactionEvent tx) {
        assertThat(Merchants.numberOf(tx.merchantId()).orElse(-1)).as(tx.merchantId()).isBetween(1L, 25L);
      }
    }
    assertThat(generate(SEED, 100, 25, 0.01, 2_000, 10)).isEqualTo(generate(SEED, 100, 25, 0.01, 2_000, 10));
  }

  @Test
  void shouldStartBurstsAtTheConfiguredRate() {
    double fraudRate = 0.01;
    AtomicLong clock = new AtomicLong(START);
    EventGenerator generator = new EventGenerator(1_000, SEED, fraudRate, clock::get);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      events.add(generator.next());
      clock.addAndGet(10);
    }
    long bursts = generator.takeoverBursts() + generator.spreeBursts();
    // Each event that is not part of a running burst is a draw: a burst starts with probability fraudRate.
    assertThat((double) bursts / (generator.normalEvents() + bursts)).isCloseTo(fraudRate, within(0.0015));
    assertThat(generator.takeoverBursts()).isCloseTo(bursts / 2, within(bursts / 5));

    assertThat(takeoversSeen(events)).as("account takeovers seen in the stream")
        .isGreaterThan(generator.takeoverBursts() * 9 / 10);
    assertThat(spreesSeen(events)).as("spending sprees seen in the stream")
        .isGreaterThan(generator.spreeBursts() * 9 / 10);
  }

  @Test
  void shouldGenerateOnlyEventsThatPassValidation() {
    EventJson json = new EventJson(FeatureRegistry.bundled());
    for (Event event : generate(SEED, 20_000, 0.02, 30_000, 5)) {
      assertThat(json.validate(event)).isEqualTo(event);
    }
  }

  @Test
  void shouldUseTheMaterializersHomeCountries() {
    for (long n = 1; n <= 20_000; n++) {
      String home = Population.homeCountry(n, SEED);
      assertThat(SimulatedUsers.profile(n, SEED).homeCountry()).isEqualTo(home);
      assertThat(Countries.money(home)).as("currency of %s", home).isPresent();
    }
  }

  /** Users with >= 8 failed logins within a minute from a device that is not theirs. */
  private static long takeoversSeen(List<Event> events) {
    Map<String, List<LoginEvent>> strangeFailures = new HashMap<>();
    for (Event event : events) {
      if (event instanceof LoginEvent login && !login.success()
          && !SimulatedUsers.devicesOf(number(login), SEED).contains(login.deviceId())) {
        strangeFailures.computeIfAbsent(login.userId() + "/" + login.deviceId(), k -> new ArrayList<>()).add(login);
      }
    }
    return strangeFailures.values().stream()
        .filter(logins -> logins.size() >= EventGenerator.TAKEOVER_MIN_FAILURES)
        .filter(logins -> logins.get(logins.size() - 1).ts() - logins.get(0).ts() <= 60_000)
        .count();
  }

  /** Sliding two-minute windows in which one user has >= 10 transactions (counted once per user and window start). */
  private static long spreesSeen(List<Event> events) {
    Map<String, List<Long>> byUser = new HashMap<>();
    for (Event event : events) {
      if (event instanceof TransactionEvent) {
        byUser.computeIfAbsent(event.userId(), k -> new ArrayList<>()).add(event.ts());
      }
    }
    long sprees = 0;
    for (List<Long> times : byUser.values()) {
      int i = 0;
      while (i < times.size()) {
        int j = i;
        while (j < times.size() && times.get(j) - times.get(i) <= EventGenerator.SPREE_WINDOW_MS) {
          j++;
        }
        if (j - i >= EventGenerator.SPREE_MIN) {
          sprees++;
          i = j;
        } else {
          i++;
        }
      }
    }
    return sprees;
  }

  private static String country(Event event) {
    return event instanceof LoginEvent login ? login.country() : ((TransactionEvent) event).country();
  }
}
