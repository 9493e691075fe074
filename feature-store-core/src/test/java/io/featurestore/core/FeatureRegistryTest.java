package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        "last_login_ts", "last_device_id", "session_country", "tx_count_5m", "failed_logins_15m", "tx_amount_sum_1h",
        "tx_amount_max_24h");
    assertThat(registry.services()).containsKey("fraud_scoring_v1");
  }

  @Test
  void shouldDeclareTheFiveComputedStreamFeaturesAsTheProcessorComputesThem() {
    FeatureRegistry registry = FeatureRegistry.bundled();
    for (String name : BuiltInStreamFeatures.names()) {
      assertThat(registry.declaredFeature("user", name).orElseThrow().aggregation()).as(name)
          .isEqualTo(BuiltInStreamFeatures.declaration(name));
    }
    assertThat(BuiltInStreamFeatures.declaration("failed_logins_15m").orElseThrow().describe())
        .isEqualTo("count of login by user_id where success=false over 15m");
    assertThat(BuiltInStreamFeatures.declaration("session_country").orElseThrow().describe())
        .isEqualTo("last country of login by user_id where success=true");
  }

  @Test
  void shouldDeclareTheNewFeaturesAndTheMerchantEntity() {
    FeatureRegistry registry = FeatureRegistry.bundled();
    assertThat(registry.entities()).extracting(EntityDefinition::name, EntityDefinition::keyPrefix)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("user", "fs:user:"),
            org.assertj.core.groups.Tuple.tuple("merchant", "fs:merchant:"));
    assertThat(describe(registry, "user", "tx_amount_sum_1h")).isEqualTo("sum amount of transaction by user_id over 1h");
    assertThat(describe(registry, "user", "tx_amount_max_24h")).isEqualTo("max amount of transaction by user_id over 1d");
    assertThat(describe(registry, "merchant", "merchant_tx_count_1h"))
        .isEqualTo("count of transaction by merchant_id over 1h");
    assertThat(registry.declaredFeatures("merchant")).extracting(FeatureDefinition::name, FeatureDefinition::source)
        .contains(org.assertj.core.groups.Tuple.tuple("merchant_category", FeatureSource.BATCH),
            org.assertj.core.groups.Tuple.tuple("merchant_risk_tier", FeatureSource.BATCH),
            org.assertj.core.groups.Tuple.tuple("merchant_age_days", FeatureSource.BATCH));
    assertThat(registry.allServices().get("fraud_scoring_v2").entities()).containsExactly("user", "merchant");

    // Single-entity services per entity; fraud_scoring_v2 spans both.
    assertThat(registry.services()).containsOnlyKeys("fraud_scoring_v1", "login_risk_v1", "user_profile");
    assertThat(registry.forEntity("merchant").featureNames()).containsExactly("merchant_category",
        "merchant_risk_tier", "merchant_age_days", "merchant_tx_count_1h", "merchant_amount_sum_1h");
  }

  private static String describe(FeatureRegistry registry, String entity, String feature) {
    return registry.declaredFeature(entity, feature).orElseThrow().aggregation().orElseThrow().describe();
  }

  /** Written back as YAML from the model alone and read again, the bundled registry is the same. */
  @Test
  void shouldRoundTripTheBundledRegistry() {
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry again = parse(toYaml(bundled));
    assertThat(again.entities()).isEqualTo(bundled.entities());
    assertThat(again.declaredFeatures()).isEqualTo(bundled.declaredFeatures());
    assertThat(again.allServices()).isEqualTo(bundled.allServices());
    assertThat(again.featureNames()).isEqualTo(bundled.featureNames());
    assertThat(again.batchTtlSeconds()).isEqualTo(bundled.batchTtlSeconds());
    assertThat(again.streamTtlSeconds()).isEqualTo(bundled.streamTtlSeconds());
  }

  private static String toYaml(FeatureRegistry registry) {
    StringBuilder y = new StringBuilder("entities:\n");
    for (EntityDefinition e : registry.entities()) {
      y.append("  - {name: ").append(e.name()).append(", key_prefix: '").append(e.keyPrefix())
          .append("', id_pattern: '").append(e.idPattern().pattern()).append("'}\n");
    }
    y.append("batch_ttl_seconds: ").append(registry.batchTtlSeconds()).append('\n');
    y.append("stream_ttl_seconds: ").append(registry.streamTtlSeconds()).append('\n');
    y.append("features:\n");
    for (FeatureDefinition f : registry.declaredFeatures()) {
      y.append("  - name: ").append(f.name()).append("\n    entity: ").append(f.entity())
          .append("\n    type: ").append(f.type().registryName())
          .append("\n    source: ").append(f.source().name().toLowerCase(java.util.Locale.ROOT))
          .append("\n    description: '").append(f.description().replace("'", "''")).append("'\n");
      f.aggregation().ifPresent(a -> {
        y.append("    from: ").append(a.from()).append("\n    key: ").append(a.key()).append('\n');
        if (!a.where().isEmpty()) {
          y.append("    where: {");
          a.where().forEach((k, v) -> y.append(k).append(": ").append(v).append(", "));
          y.setLength(y.length() - 2);
          y.append("}\n");
        }
        y.append("    aggregate: ").append(a.aggregate().registryName()).append('\n');
        a.field().ifPresent(field -> y.append("    field: ").append(field).append('\n'));
        a.window().ifPresent(w -> y.append("    window: ").append(StreamAggregation.windowText(w)).append('\n'));
      });
    }
    y.append("services:\n");
    registry.allServices().forEach((name, s) -> {
      y.append("  ").append(name).append(":\n    description: '").append(s.description().replace("'", "''"))
          .append("'\n    features: [");
      y.append(String.join(", ", s.members().stream().map(FeatureRef::toString).toList())).append("]\n");
    });
    return y.toString();
  }

  @Test
  void shouldParseAValidRegistry() {
    FeatureRegistry registry = parse(VALID);
    assertThat(registry.featureNames()).containsExactly("risk_segment", "tx_count_5m");
    assertThat(registry.feature("tx_count_5m").orElseThrow().source()).isEqualTo(FeatureSource.STREAM);
    assertThat(registry.service("fraud").features()).containsExactly("risk_segment", "tx_count_5m");
    assertThat(registry.keyOf("u1")).isEqualTo("fs:user:u1");
  }

  /**
   * Each case: text of the valid registry, what replaces it ({@code \n} for a line break), the
   * line the error must name, and what it must say.
   */
  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "type: int|type: integer|12|feature 'tx_count_5m': unknown type 'integer'",
      "source: stream|source: kafka|13|feature 'tx_count_5m': unknown source 'kafka'; allowed: batch, stream",
      "name: tx_count_5m|name: risk_segment|11|'risk_segment' is defined twice",
      "[risk_segment, tx_count_5m]|[risk_segment, nope]|16|unknown feature 'nope'",
      "'    source: batch'|'    source: batch\\n    ttl: 5'|11|unknown key 'ttl'",
      "batch_ttl_seconds: 100|batch_ttl_seconds: -1|5|batch_ttl_seconds must be a whole number",
      "[a-z0-9]+|[a-z|4|not a valid regular expression"})
  void shouldNameTheLineAndTheProblemOfABadDeclaration(String text, String replacement, int line, String problem) {
    assertThatThrownBy(() -> parse(VALID.replace(text, replacement.replace("\\n", "\n"))))
        .isInstanceOf(RegistryException.class).hasMessageStartingWith("test.yaml:" + line + ":")
        .hasMessageContaining(problem);
  }

  @Test
  void shouldRefuseMoreThanAThousandFeaturesForOneEntity() {
    int max = RegistryParser.MAX_FEATURES_PER_ENTITY;
    assertThat(parse(withMoreFeatures(max - 2)).features()).as("VALID has two").hasSize(max);
    assertThatThrownBy(() -> parse(withMoreFeatures(max - 1)))
        .hasMessageContaining("entity 'user' declares more than 1000 features");
  }

  private static String withMoreFeatures(int count) {
    StringBuilder more = new StringBuilder();
    for (int i = 0; i < count; i++) {
      more.append("  - name: f").append(i).append("\n    type: int\n    source: batch\n");
    }
    return VALID.replace("features:\n", "features:\n" + more);
  }

  @Test
  void shouldNameAMissingKey() {
    assertThatThrownBy(() -> parse(VALID.replace("stream_ttl_seconds: 10\n", "")))
        .hasMessageContaining("missing required key 'stream_ttl_seconds'");
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
    StoreSettings settings = new StoreSettings(RedisConnection.url(RedisConnection.DEFAULT_URL), java.util.Optional.empty(),
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
