package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchRequestTest {
  private final FeatureRegistry registry = FeatureRegistry.bundled();
  private final Json json = new Json();

  private BatchRequest parse(String body, int maxBatch) {
    return BatchRequest.parse(json.read(body.getBytes(StandardCharsets.UTF_8)), registry, maxBatch);
  }

  @Test
  void shouldParseIdsFeaturesAndFreshness() {
    BatchRequest request = parse("{\"entity_ids\":[\"u1\",\"u2\",\"u1\"],\"features\":[\"country_iso\"],\"freshness\":true}", 10);
    assertThat(request.entityIds()).containsExactly("u1", "u2", "u1");
    assertThat(request.features()).containsExactly("country_iso");
    assertThat(request.service()).isNull();
    assertThat(request.freshness()).isTrue();
  }

  @Test
  void shouldParseAService() {
    BatchRequest request = parse("{\"entity_ids\":[\"u1\"],\"service\":\"user_profile\",\"freshness\":null}", 10);
    assertThat(request.service()).isEqualTo("user_profile");
    assertThat(request.features()).isNull();
    assertThat(request.freshness()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"entity_ids":["u1","u2","not valid!"]}  | 3 in one request, the limit is 2
      {"rows":[{"user":"u1"},{"user":"u2"},7]} | too many rows: 3 in one request, the limit is 2""")
  void shouldRefuseMoreIdsOrRowsThanTheLimitBeforeLookingAtThem(String body, String message) {
    assertThatThrownBy(() -> parse(body, 2)).isInstanceOf(ApiErrors.TooManyIdsException.class).hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"entity_ids":["u1","fs:user:u2"],"features":["country_iso"]} | entity_ids[1]: malformed user id 'fs:user:u2'
      {"rows":[{"user":"u1"},{"merchant":"fs:merchant:m1"}]}        | rows[1].merchant: malformed merchant id 'fs:merchant:m1'""")
  void shouldNameTheOffendingIdByItsPositionAndInARowByItsEntity(String body, String message) {
    assertThatThrownBy(() -> parse(body, 10)).isInstanceOf(InvalidInputException.class).hasMessageStartingWith(message);
  }

  @Test
  void shouldParseRowsOfEntityIds() {
    BatchRequest request = parse("{\"rows\":[{\"user\":\"u1\",\"merchant\":\"m042\"},{\"merchant\":\"m7\"}],"
        + "\"service\":\"fraud_scoring_v2\"}", 10);
    assertThat(request.entityIds()).isNull();
    assertThat(request.rows()).containsExactly(java.util.Map.of("user", "u1", "merchant", "m042"), java.util.Map.of("merchant", "m7"));
    assertThat(request.service()).isEqualTo("fraud_scoring_v2");
  }

  @Test
  void shouldRejectSomethingThatIsNotOneJsonDocument() {
    assertThatThrownBy(() -> parse("{\"entity_ids\":[\"u1\"]} []", 10)).hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> json.read(new byte[] {(byte) 0xC3, (byte) 0x28}))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> parse("[".repeat(5000), 10)).isInstanceOf(InvalidInputException.class);
  }
}
