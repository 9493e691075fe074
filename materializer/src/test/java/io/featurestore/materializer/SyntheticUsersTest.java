package io.featurestore.materializer;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.population.Population;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticUsersTest {

  private static List<EntityRow> users(long count, long seed) {
    List<EntityRow> rows = new ArrayList<>();
    SyntheticUsers.generate(count, seed).forEachRemaining(rows::add);
    return rows;
  }

  @Test
  void shouldNumberUsersLikeTheDesign() {
    assertThat(users(3, 1)).extracting(EntityRow::entityId).containsExactly("u0001", "u0002", "u0003");
  }

  @Test
  void shouldBeDeterministicPerUserWhateverTheCount() {
    assertThat(users(10, 7).get(4)).isEqualTo(users(500, 7).get(4));
    assertThat(users(10, 7).get(4)).isNotEqualTo(users(10, 8).get(4));
    assertThat(users(10, 7).get(4).values().get("country_iso")).isEqualTo(Population.homeCountry(5, 7));
  }

  @Test
  void shouldGiveTheSameUsersForSeed42AsEver() {
    // Pinned values: the stack, the docs and the simulator's home countries rely on them.
    assertThat(SyntheticUsers.user(1, 42).values()).isEqualTo(Map.of("country_iso", "US", "risk_segment", "low",
        "account_age_days", "1422", "tx_count_7d", "9", "avg_amount_30d", "82.98", "chargeback_count_180d", "0"));
    assertThat(SyntheticUsers.user(40, 42).values()).isEqualTo(Map.of("country_iso", "US", "risk_segment", "high",
        "account_age_days", "395", "tx_count_7d", "11", "avg_amount_30d", "529.62", "chargeback_count_180d", "0"));
    assertThat(SyntheticUsers.user(45, 42).values()).isEqualTo(Map.of("country_iso", "FR", "risk_segment", "medium",
        "account_age_days", "101", "tx_count_7d", "4", "avg_amount_30d", "59.87", "chargeback_count_180d", "1"));
    assertThat(SyntheticUsers.user(52, 42).values()).isEqualTo(Map.of("country_iso", "SE", "risk_segment", "medium",
        "account_age_days", "135", "tx_count_7d", "8", "avg_amount_30d", "66.4", "chargeback_count_180d", "0"));
    assertThat(SyntheticUsers.user(10_000, 42).values()).isEqualTo(Map.of("country_iso", "FR", "risk_segment", "low",
        "account_age_days", "167", "tx_count_7d", "10", "avg_amount_30d", "40.25", "chargeback_count_180d", "0"));
  }

  @Test
  void shouldWriteEveryBatchFeatureWithAValueOfItsType() {
    FeatureRegistry registry = FeatureRegistry.bundled();
    for (EntityRow row : users(200, 3)) {
      assertThat(row.values()).hasSize(registry.features(FeatureSource.BATCH).size());
      for (Map.Entry<String, String> e : row.values().entrySet()) {
        var type = registry.feature(e.getKey()).orElseThrow().type();
        assertThat(type.encode(e.getValue())).as(e.getKey()).isNotNull();
      }
    }
  }

  @Test
  void shouldFollowPlausibleDistributions() {
    List<EntityRow> rows = users(20_000, 11);
    double low = rows.stream().filter(r -> r.values().get("risk_segment").equals("low")).count() / 20_000.0;
    double us = rows.stream().filter(r -> r.values().get("country_iso").equals("US")).count() / 20_000.0;
    double meanAge = rows.stream().mapToLong(r -> Long.parseLong(r.values().get("account_age_days"))).average().orElseThrow();
    double[] amounts = rows.stream().mapToDouble(r -> Double.parseDouble(r.values().get("avg_amount_30d"))).sorted().toArray();
    double chargebackHigh = rows.stream().filter(r -> r.values().get("risk_segment").equals("high"))
        .mapToLong(r -> Long.parseLong(r.values().get("chargeback_count_180d"))).average().orElseThrow();
    double chargebackLow = rows.stream().filter(r -> r.values().get("risk_segment").equals("low"))
        .mapToLong(r -> Long.parseLong(r.values().get("chargeback_count_180d"))).average().orElseThrow();

    assertThat(low).isBetween(0.78, 0.82);
    assertThat(us).isBetween(0.28, 0.32);
    assertThat(meanAge).isBetween(600.0, 800.0);
    assertThat(amounts[amounts.length / 2]).isBetween(40.0, 50.0);
    assertThat(amounts[0]).isPositive();
    assertThat(chargebackHigh).isGreaterThan(chargebackLow * 10);
  }
}
