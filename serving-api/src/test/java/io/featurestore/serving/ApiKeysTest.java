package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  private final ApiKeys keys = new ApiKeys(List.of("alpha-key", "beta-key"));

  @Test
  void shouldAcceptEveryConfiguredKeyAndNothingElse() {
    assertThat(keys.enabled()).isTrue();
    assertThat(keys.accepts("alpha-key")).isTrue();
    assertThat(keys.accepts("beta-key")).isTrue();
    assertThat(keys.accepts("alpha-ke")).isFalse();
    assertThat(keys.accepts("alpha-key ")).isFalse();
    assertThat(keys.accepts("ALPHA-KEY")).isFalse();
    assertThat(keys.accepts("")).isFalse();
    assertThat(keys.accepts(null)).isFalse();
  }

  @Test
  void shouldBeOffWithoutKeys() {
    assertThat(new ApiKeys(List.of()).enabled()).isFalse();
  }

  @Test
  void shouldTakeTheKeyFromXApiKeyOrABearerToken() {
    assertThat(ApiKeys.presented("alpha-key", null)).isEqualTo("alpha-key");
    assertThat(ApiKeys.presented(" alpha-key ", "Bearer other")).isEqualTo("alpha-key");
    assertThat(ApiKeys.presented(null, "Bearer beta-key")).isEqualTo("beta-key");
    assertThat(ApiKeys.presented(null, "bearer beta-key")).isEqualTo("beta-key");
    assertThat(ApiKeys.presented(null, "Basic dXNlcjpwYXNz")).isNull();
    assertThat(ApiKeys.presented(null, "Bearer")).isNull();
    assertThat(ApiKeys.presented("", null)).isNull();
    assertThat(ApiKeys.presented(null, null)).isNull();
  }
}
