package io.featurestore.processor;

import static io.featurestore.processor.TopologyHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.core.StreamAggregation;
import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random event streams through the real topology, for every aggregate kind over two entities
 * at once (the user, keyed by the record key, and the merchant, through the repartition topic),
 * compared at random read times with a brute-force evaluation of each declaration over the
 * events sent so far: at time T a window feature aggregates the selected events with
 * {@code T - window < ts <= T} and is absent when there are none; a {@code last} feature is the
 * field of the selected event with the greatest event time (the first of equals), present until
 * one stream TTL after that event was processed.
 */
class DeclaredFeaturesReferenceTest {
  private static final String REGISTRY = String.join("\n",
      "entities:",
      "  - {name: user, key_prefix: 'fs:user:', id_pattern: 'u[0-9]+'}",
      "  - {name: merchant, key_prefix: 'fs:merchant:', id_pattern: 'm[0-9]+'}",
      "batch_ttl_seconds: 1000",
      "stream_ttl_seconds: 120",
      "features:",
      "  - {name: tx_count_2m, type: int, source: stream, from: transaction, aggregate: count, window: 2m}",
      "  - {name: tx_sum_5m, type: double, source: stream, from: transaction, aggregate: sum, field: amount, window: 5m}",
      "  - {name: tx_mean_5m, type: double, source: stream, from: transaction, aggregate: mean, field: amount, window: 5m}",
      "  - {name: tx_min_3m, type: double, source: stream, from: transaction, aggregate: min, field: amount, window: 3m}",
      "  - {name: tx_max_3m, type: double, source: stream, from: transaction, aggregate: max, field: amount, window: 3m}",
      "  - {name: us_tx_count_10m, type: int, source: stream, from: transaction, where: {country: US}, aggregate: count,"
          + " window: 10m}",
      "  - {name: failed_logins_15m, type: int, source: stream, from: login, where: {success: false}, aggregate: count,"
          + " window: 15m}",
      "  - {name: latest_login_ts_max, type: timestamp_ms, source: stream, from: login, aggregate: max, field: ts,"
          + " window: 1m}",
      "  - {name: last_device_id, type: string, source: stream, from: login, where: {success: true}, aggregate: last,"
          + " field: device_id}",
      "  - {name: last_amount, type: double, source: stream, from: transaction, aggregate: last, field: amount}",
      "  - {name: merchant_tx_count_5m, entity: merchant, type: int, source: stream, from: transaction,"
          + " key: merchant_id, aggregate: count, window: 5m}",
      "  - {name: merchant_max_2m, entity: merchant, type: double, source: stream, from: transaction,"
          + " key: merchant_id, aggregate: max, field: amount, window: 2m}",
      "  - {name: merchant_us_sum_10m, entity: merchant, type: double, source: stream, from: transaction,"
          + " key: merchant_id, where: {country: US}, aggregate: sum, field: amount, window: 10m}",
      "  - {name: merchant_last_user, entity: merchant, type: string, source: stream, from: transaction,"
          + " key: merchant_id, aggregate: last, field: user_id}",
      "");
  private static final String[] USERS = {"u1", "u2", "u3", "u4"};
  private static final String[] MERCHANTS = {"m1", "m2", "m3"};

  private record Sent(Event event, long processedAt) {
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void shouldMatchABruteForceEvaluationOfEveryDeclarationAtEveryReadTime(long seed) {
    FeatureRegistry registry = FeatureRegistry.parse(new StringReader(REGISTRY), "reference.yaml");
    Random random = new Random(seed);
    List<Sent> sent = new ArrayList<>();
    try (TopologyHarness h = new TopologyHarness(registry)) {
      for (int step = 0; step < 300; step++) {
        int burst = random.nextInt(4);
        for (int i = 0; i < burst; i++) {
          Event event = randomEvent(random, h.now());
          if (event instanceof LoginEvent) {
            h.send(h.logins, event.userId(), event);
          } else {
            h.send(h.transactions, event.userId(), event);
          }
          sent.add(new Sent(event, h.now()));
        }
        h.advance(Duration.ofMillis(100L * (1 + random.nextInt(40))));
        long now = h.now();
        for (FeatureDefinition f : registry.declaredFeatures()) {
          if (f.source() != FeatureSource.STREAM) {
            continue;
          }
          for (String id : f.entity().equals("user") ? USERS : MERCHANTS) {
            Object expected = reference(f, id, sent, now, registry.streamTtlSeconds() * 1000);
            Object actual = h.redis.read(f.entity(), id, f.name());
            String what = f.entity() + " " + id + " " + f.name() + " at +" + (now - T0) + " ms";
            if (expected instanceof Double d && actual instanceof Double a) {
              assertThat(a).as(what).isCloseTo(d, within(1e-6));
            } else {
              assertThat(actual).as(what).isEqualTo(expected);
            }
          }
        }
      }
    }
  }

  /** Mostly recent events, some out of order, some too old for the windows, a few slightly in the future. */
  private static Event randomEvent(Random random, long now) {
    long offset = switch (random.nextInt(12)) {
      case 0 -> -(15 * 60_000 + random.nextInt(60_000));
      case 1 -> random.nextInt(3_000);
      case 2 -> -random.nextInt(12 * 60_000);
      default -> -random.nextInt(150_000);
    };
    long ts = now + offset;
    String user = USERS[random.nextInt(USERS.length)];
    if (random.nextInt(3) == 0) {
      return new LoginEvent(user, ts, "d" + random.nextInt(5), random.nextBoolean() ? "US" : "DE", random.nextBoolean());
    }
    BigDecimal amount = BigDecimal.valueOf(random.nextInt(100_000), 2);
    return new TransactionEvent(user, ts, amount, "USD", random.nextBoolean() ? "US" : "DE",
        MERCHANTS[random.nextInt(MERCHANTS.length)]);
  }

  private static Object reference(FeatureDefinition f, String id, List<Sent> sent, long now, long ttlMs) {
    StreamAggregation a = f.aggregation().orElseThrow();
    DeclaredFeatures.Selector selector = new DeclaredFeatures.Selector(a.from(), a.where());
    List<Sent> selected = sent.stream()
        .filter(s -> selector.matches(s.event()) && id.equals(String.valueOf(s.event().field(a.key()))))
        .toList();
    if (a.aggregate() == StreamAggregation.Aggregate.LAST) {
      Sent latest = null;
      for (Sent s : selected) {
        if (latest == null || s.event().ts() > latest.event().ts()) {
          latest = s;
        }
      }
      if (latest == null || latest.processedAt() + ttlMs <= now) {
        return null;
      }
      return latest.event().field(a.field().orElseThrow());
    }
    long window = a.window().orElseThrow().toMillis();
    List<Double> values = selected.stream()
        .filter(s -> s.event().ts() > now - window && s.event().ts() <= now)
        .map(s -> a.field().map(field -> s.event().fieldNumber(field)).orElse(0.0))
        .toList();
    if (values.isEmpty()) {
      return null;
    }
    double sum = values.stream().mapToDouble(Double::doubleValue).sum();
    switch (a.aggregate()) {
      case COUNT:
        return (long) values.size();
      case SUM:
        return sum;
      case MEAN:
        return sum / values.size();
      case MIN:
        return boxed(f, values.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
      case MAX:
        return boxed(f, values.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
      default:
        throw new AssertionError(a.aggregate());
    }
  }

  private static Object boxed(FeatureDefinition f, double value) {
    return f.type() == io.featurestore.core.FeatureType.TIMESTAMP_MS ? (Object) (long) value : (Object) value;
  }
}
