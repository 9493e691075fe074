package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureRegistryTest {
  private static final String VALID = String.join("\n",
      "entity:",
      "  name: user",
      "  key_prefix: \"fs:user:\"",
      "  id_pattern: \"[a-z0-9]+\"",
      "batch_ttl_seconds: 100",
      "stream_ttl_seconds: 10",
      "features:",
      "  - name: risk_segment",
      "    type: string",
      "    source: batch",
      "  - name: tx_count_5m",
      "    type: int",
      "    source: stream",
      "services:",
      "  fraud:",
      "    features: [risk_segment, tx_count_5m]",
      "");

  private static FeatureRegistry parse(String yaml) {
    return FeatureRegistry.parse(new StringReader(yaml), "test.yaml");
  }

  @Test
  void shouldLoadTheBundledRegistryWithTheDesignContractFeatures() {
    FeatureRegistry registry = FeatureRegistry.bundled();
    assertThat(registry.keyPrefix()).isEqualTo("fs:user:");
    assertThat(registry.batchTtlSeconds()).isEqualTo(86400);
    assertThat(registry.streamTtlSeconds()).isEqualTo(300);
    assertThat(registry.features(FeatureSource.BATCH)).extracting(FeatureDefinition::name).containsExactly(
        "country_iso", "risk_segment", "account_age_days", "tx_count_7d", "avg_amount_30d", "chargeback_count_180d");
    assertThat(registry.features(FeatureSource.STREAM)).extracting(FeatureDefinition::name).containsExactly(
        "last_login_ts", "last_device_id", "session_country", "tx_count_5m", "failed_logins_15m");
    assertThat(registry.services()).containsKey("fraud_scoring_v1");
  }

  @Test
  void shouldParseAValidRegistry() {
    FeatureRegistry registry = parse(VALID);
    assertThat(registry.featureNames()).containsExactly("risk_segment", "tx_count_5m");
    assertThat(registry.feature("tx_count_5m").orElseThrow().source()).isEqualTo(FeatureSource.STREAM);
    assertThat(registry.service("fraud").features()).containsExactly("risk_segment", "tx_count_5m");
    assertThat(registry.keyOf("u1")).isEqualTo("fs:user:u1");
  }

  @Test
  void shouldNameTheLineOfAnUnknownType() {
    assertThatThrownBy(() -> parse(VALID.replace("type: int", "type: integer")))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("test.yaml:12: feature 'tx_count_5m': unknown type 'integer'");
  }

  @Test
  void shouldNameTheLineOfAnUnknownSource() {
    assertThatThrownBy(() -> parse(VALID.replace("source: stream", "source: kafka")))
        .hasMessageStartingWith("test.yaml:13:").hasMessageContaining("unknown source 'kafka'; allowed: batch, stream");
  }

  @Test
  void shouldRejectADuplicateFeature() {
    assertThatThrownBy(() -> parse(VALID.replace("name: tx_count_5m", "name: risk_segment")))
        .hasMessageStartingWith("test.yaml:11:").hasMessageContaining("'risk_segment' is defined twice");
  }

  @Test
  void shouldRejectAServiceNamingAnUnknownFeature() {
    assertThatThrownBy(() -> parse(VALID.replace("[risk_segment, tx_count_5m]", "[risk_segment, nope]")))
        .hasMessageStartingWith("test.yaml:16:").hasMessageContaining("unknown feature 'nope'");
  }

  @Test
  void shouldRejectUnknownKeysAndMissingKeys() {
    assertThatThrownBy(() -> parse(VALID.replace("    source: batch", "    source: batch\n    ttl: 5")))
        .hasMessageStartingWith("test.yaml:11:").hasMessageContaining("unknown key 'ttl'");
    assertThatThrownBy(() -> parse(VALID.replace("stream_ttl_seconds: 10\n", "")))
        .hasMessageContaining("missing required key 'stream_ttl_seconds'");
  }

  @Test
  void shouldRejectBadTtlsAndBadPatterns() {
    assertThatThrownBy(() -> parse(VALID.replace("batch_ttl_seconds: 100", "batch_ttl_seconds: -1")))
        .hasMessageStartingWith("test.yaml:5:").hasMessageContaining("batch_ttl_seconds must be a whole number");
    assertThatThrownBy(() -> parse(VALID.replace("[a-z0-9]+", "[a-z")))
        .hasMessageStartingWith("test.yaml:4:").hasMessageContaining("not a valid regular expression");
  }

  @Test
  void shouldReportYamlSyntaxErrorsWithTheirLine() {
    assertThatThrownBy(() -> parse("entity:\n  name: [unclosed\n"))
        .isInstanceOf(RegistryException.class).hasMessageContaining("not valid YAML");
  }

  @Test
  void shouldResolveFeaturesAndNameEveryUnknownOne() {
    FeatureRegistry registry = parse(VALID);
    assertThat(registry.resolve(List.of("tx_count_5m"))).extracting(FeatureDefinition::name).containsExactly("tx_count_5m");
    assertThatThrownBy(() -> registry.resolve(List.of("a", "risk_segment", "b")))
        .isInstanceOf(UnknownFeatureException.class)
        .hasMessage("unknown features a, b; allowed: risk_segment, tx_count_5m");
    assertThatThrownBy(() -> registry.resolve(List.of())).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> registry.resolve(List.of("risk_segment", "risk_segment")))
        .hasMessageContaining("requested twice");
    assertThatThrownBy(() -> registry.service("nope")).hasMessageContaining("allowed: fraud");
  }

  @Test
  void shouldRejectEntityIdsThatCouldEscapeThePrefix() {
    FeatureRegistry registry = FeatureRegistry.bundled();
    assertThat(registry.keyOf("u0001")).isEqualTo("fs:user:u0001");
    for (String bad : List.of("", "*", "u1*", "../x", "u 1", "a:b", "x".repeat(200), "-u1")) {
      assertThatThrownBy(() -> registry.keyOf(bad)).isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void shouldEscapeGlobCharactersOfThePrefixInScanPatterns() {
    FeatureRegistry registry = FeatureRegistry.bundled().withOverrides("t[1]*:", 10, 5);
    assertThat(registry.scanPattern()).isEqualTo("t\\[1\\]\\*:*");
  }

  @Test
  void shouldApplyDeploymentOverrides() {
    StoreSettings settings = new StoreSettings(StoreSettings.DEFAULT_REDIS_URL, java.util.Optional.empty(),
        java.util.Optional.of("test:u:"), java.util.Optional.of(60L), java.util.Optional.of(5L));
    FeatureRegistry registry = settings.loadRegistry();
    assertThat(registry.keyPrefix()).isEqualTo("test:u:");
    assertThat(registry.batchTtlSeconds()).isEqualTo(60);
    assertThat(registry.streamTtlSeconds()).isEqualTo(5);
  }

  @Test
  void shouldParseRedisVersions() {
    assertThat(RedisVersion.fromInfo("# Server\r\nredis_version:8.0.2\r\n").supportsFieldTtl()).isTrue();
    assertThat(RedisVersion.fromInfo("redis_version:7.4.0\r\n").supportsFieldTtl()).isTrue();
    assertThat(RedisVersion.fromInfo("redis_version:7.0.15\r\n").supportsFieldTtl()).isFalse();
  }
}
