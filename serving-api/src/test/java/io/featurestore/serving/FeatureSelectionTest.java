package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureSelectionTest {
  private final FeatureRegistry registry = FeatureRegistry.bundled();
  private final FeatureSelection selection = new FeatureSelection(registry);

  @Test
  void shouldSplitCommaSeparatedAndRepeatedParameters() {
    assertThat(FeatureSelection.splitQuery(List.of("a,b", " c ,, d", ""))).containsExactly("a", "b", "c", "d");
    assertThat(FeatureSelection.splitQuery(List.of(",,"))).isEmpty();
  }

  @Test
  void shouldReturnTheServiceListFromTheRegistry() {
    assertThat(selection.select(null, "user_profile")).isSameAs(registry.services().get("user_profile").features());
  }

  @Test
  void shouldReturnTheNamedFeaturesAsGiven() {
    assertThat(selection.select(List.of("tx_count_5m", "nope"), null)).containsExactly("tx_count_5m", "nope");
  }

  @Test
  void shouldRejectBothNeitherAndUnknownServices() {
    assertThatThrownBy(() -> selection.select(List.of("country_iso"), "user_profile"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> selection.select(null, null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("name the features to read");
    assertThatThrownBy(() -> selection.select(null, "nope"))
        .isInstanceOf(ApiErrors.UnknownServiceException.class)
        .hasMessageContaining("allowed: fraud_scoring_v1, login_risk_v1, user_profile");
  }

  @Test
  void shouldParseFreshnessStrictly() {
    assertThat(FeatureSelection.freshness(null)).isFalse();
    assertThat(FeatureSelection.freshness("true")).isTrue();
    assertThat(FeatureSelection.freshness("FALSE")).isFalse();
    assertThatThrownBy(() -> FeatureSelection.freshness("1")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> FeatureSelection.freshness("x".repeat(1000)))
        .hasMessageContaining("…").hasMessageNotContaining("x".repeat(41));
  }
}
