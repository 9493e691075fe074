package io.featurestore.materializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.core.InvalidInputException;
import io.featurestore.population.Merchants;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticMerchantsTest {
  private static final FeatureRegistry MERCHANTS = FeatureRegistry.bundled().forEntity("merchant");

  private static List<EntityRow> merchants(long count, long seed) {
    List<EntityRow> rows = new ArrayList<>();
    SyntheticMerchants.generate(count, seed).forEachRemaining(rows::add);
    return rows;
  }

  @Test
  void shouldNumberMerchantsLikeUsers() {
    assertThat(merchants(3, 1)).extracting(EntityRow::entityId).containsExactly("m0001", "m0002", "m0003");
  }

  @Test
  void shouldBeDeterministicPerMerchantWhateverTheCount() {
    assertThat(merchants(10, 7).get(4)).isEqualTo(merchants(1_000, 7).get(4));
    assertThat(merchants(10, 7).get(4).values().get("merchant_category"))
        .isEqualTo(Merchants.merchant(5, 7).category());
  }

  @Test
  void shouldHoldExactlyTheMerchantEntitysBatchFeaturesWithValuesOfTheirTypes() {
    List<String> batch = MERCHANTS.features(FeatureSource.BATCH).stream().map(FeatureDefinition::name).toList();
    for (EntityRow row : merchants(500, 42)) {
      assertThat(row.values().keySet()).containsExactlyInAnyOrderElementsOf(batch);
      assertThat(MERCHANTS.keyOf(row.entityId())).startsWith("fs:merchant:m");
      row.values().forEach((name, value) ->
          assertThat(MERCHANTS.feature(name).orElseThrow().type().encode(value)).as(name).isEqualTo(value));
    }
  }

  @Test
  void shouldGiveTheSameMerchantsForSeed42AsEver() {
    assertThat(SyntheticMerchants.merchant(1, 42).values()).isEqualTo(Map.of("merchant_category", "restaurants",
        "merchant_risk_tier", "low", "merchant_age_days", "2201"));
  }

  @Test
  void shouldGenerateTheRowsOfTheChosenEntity() {
    assertThat(SyntheticRows.of(FeatureRegistry.bundled(), 5).plural()).isEqualTo("users");
    assertThat(SyntheticRows.of(MERCHANTS, 5).plural()).isEqualTo("merchants");
    assertThat(SyntheticRows.of(MERCHANTS, 2).generate(2, 42).next().entityId()).isEqualTo("m0001");
  }

  @Test
  void shouldRefuseAnEntityWithoutSyntheticRowsOrARegistryTheyDoNotFit() {
    FeatureRegistry registry = FeatureRegistry.parse(new StringReader(String.join("\n",
        "entities:",
        "  - name: user",
        "    key_prefix: \"t:user:\"",
        "    id_pattern: \"[a-z0-9]{1,10}\"",
        "  - name: merchant",
        "    key_prefix: \"t:merchant:\"",
        "    id_pattern: \"m[0-9]{4}\"",
        "  - name: store",
        "    key_prefix: \"t:store:\"",
        "    id_pattern: \"[a-z0-9]{1,10}\"",
        "batch_ttl_seconds: 600",
        "stream_ttl_seconds: 60",
        "features:",
        "  - name: country_iso",
        "    type: string",
        "    source: batch",
        "  - name: merchant_category",
        "    entity: merchant",
        "    type: string",
        "    source: batch",
        "  - name: size",
        "    entity: store",
        "    type: int",
        "    source: batch",
        "")), "test.yaml");
    assertThatThrownBy(() -> SyntheticRows.of(registry.forEntity("store"), 5)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--count generates synthetic users or merchants, not store entities; load those from a file with --from");
    assertThatThrownBy(() -> SyntheticRows.of(registry.forEntity("merchant"), 5))
        .hasMessageContaining("no batch feature merchant_risk_tier, merchant_age_days for entity merchant");
    assertThatThrownBy(() -> SyntheticRows.of(registry, 5)).hasMessageContaining("no batch feature risk_segment");
  }
}
