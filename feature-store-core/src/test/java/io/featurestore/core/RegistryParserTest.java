package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code entities:} shape: declared streaming features, several entities, services across them. */
class RegistryParserTest {
  /** Line numbers in the cases below refer to this text. */
  private static final String VALID = String.join("\n",
      "entities:",                                   // 1
      "  - name: user",                              // 2
      "    key_prefix: \"fs:user:\"",                // 3
      "    id_pattern: \"[a-z0-9]+\"",               // 4
      "  - name: merchant",                          // 5
      "    key_prefix: \"fs:merchant:\"",            // 6
      "    id_pattern: \"m[0-9]+\"",                 // 7
      "batch_ttl_seconds: 100",                      // 8
      "stream_ttl_seconds: 10",                      // 9
      "features:",                                   // 10
      "  - name: risk_segment",                      // 11
      "    type: string",                            // 12
      "    source: batch",                           // 13
      "  - name: tx_count_5m",                       // 14
      "    type: int",                               // 15
      "    source: stream",                          // 16
      "    from: transaction",                       // 17
      "    aggregate: count",                        // 18
      "    window: 5m",                              // 19
      "  - name: tx_amount_sum_1h",                  // 20
      "    type: double",                            // 21
      "    source: stream",                          // 22
      "    from: transaction",                       // 23
      "    aggregate: sum",                          // 24
      "    field: amount",                           // 25
      "    window: 1h",                              // 26
      "  - name: last_device_id",                    // 27
      "    type: string",                            // 28
      "    source: stream",                          // 29
      "    from: login",                             // 30
      "    where: {success: true}",                  // 31
      "    aggregate: last",                         // 32
      "    field: device_id",                        // 33
      "  - name: merchant_tx_count_1h",              // 34
      "    entity: merchant",                        // 35
      "    type: int",                               // 36
      "    source: stream",                          // 37
      "    from: transaction",                       // 38
      "    key: merchant_id",                        // 39
      "    aggregate: count",                        // 40
      "    window: 1h",                              // 41
      "services:",                                   // 42
      "  fraud:",                                    // 43
      "    features: [risk_segment, user.tx_count_5m, merchant.merchant_tx_count_1h]", // 44
      "  user_only:",                                // 45
      "    features: [risk_segment, tx_count_5m]",   // 46
      "");

  private static FeatureRegistry parse(String yaml) {
    return FeatureRegistry.parse(new StringReader(yaml), "test.yaml");
  }

  @Test
  void shouldParseEntitiesDeclarationsAndServicesAcrossEntities() {
    FeatureRegistry registry = parse(VALID);
    assertThat(registry.entities()).extracting(EntityDefinition::name).containsExactly("user", "merchant");
    assertThat(registry.entity("merchant").orElseThrow().keyPrefix()).isEqualTo("fs:merchant:");
    assertThat(registry.declaredFeature("user", "tx_amount_sum_1h").orElseThrow().aggregation()).contains(
        StreamAggregation.windowed("transaction", "user_id", Map.of(), StreamAggregation.Aggregate.SUM, "amount",
            Duration.ofHours(1)));
    assertThat(registry.declaredFeature("user", "last_device_id").orElseThrow().aggregation().orElseThrow().describe())
        .isEqualTo("last device_id of login by user_id where success=true");
    assertThat(registry.declaredFeature("merchant", "merchant_tx_count_1h").orElseThrow().aggregation().orElseThrow()
        .describe()).isEqualTo("count of transaction by merchant_id over 1h");

    FeatureService fraud = registry.allServices().get("fraud");
    assertThat(fraud.members()).containsExactly(new FeatureRef("user", "risk_segment"),
        new FeatureRef("user", "tx_count_5m"), new FeatureRef("merchant", "merchant_tx_count_1h"));
    assertThat(fraud.entities()).containsExactly("user", "merchant");
    assertThat(fraud.features()).containsExactly("user.risk_segment", "user.tx_count_5m", "merchant.merchant_tx_count_1h");
    assertThat(registry.allServices().get("user_only").features()).containsExactly("risk_segment", "tx_count_5m");
  }

  @Test
  void shouldScopeTheSingleEntityViewToOneEntityAndItsSingleEntityServices() {
    FeatureRegistry registry = parse(VALID);
    assertThat(registry.featureNames()).containsExactly("risk_segment", "tx_count_5m", "tx_amount_sum_1h",
        "last_device_id");
    assertThat(registry.feature("merchant_tx_count_1h")).isEmpty();
    assertThat(registry.declaredFeatures()).hasSize(5);
    assertThat(registry.services()).containsOnlyKeys("user_only");
    assertThat(registry.keyOf("u1")).isEqualTo("fs:user:u1");

    FeatureRegistry merchants = registry.forEntity("merchant");
    assertThat(merchants.entityName()).isEqualTo("merchant");
    assertThat(merchants.featureNames()).containsExactly("merchant_tx_count_1h");
    assertThat(merchants.keyOf("m1")).isEqualTo("fs:merchant:m1");
    assertThat(merchants.services()).isEmpty();
    assertThat(merchants.allServices()).isEqualTo(registry.allServices());
    assertThat(merchants.forEntity("user").keyOf("u1")).isEqualTo("fs:user:u1");
    assertThatThrownBy(() -> registry.forEntity("store")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown entity 'store'; the registry declares: user, merchant");
  }

  @Test
  void shouldAllowOneFeatureNameInTwoEntities() {
    FeatureRegistry registry = parse(VALID.replace("name: merchant_tx_count_1h", "name: tx_count_5m")
        .replace("merchant.merchant_tx_count_1h", "merchant.tx_count_5m"));
    assertThat(registry.declaredFeature("merchant", "tx_count_5m")).isPresent();
    assertThat(registry.allServices().get("fraud").features()).contains("user.tx_count_5m", "merchant.tx_count_5m");
  }

  @Test
  void shouldCanonicalizeFilterValuesByTheFieldsKind() {
    FeatureRegistry registry = parse(VALID.replace("{success: true}", "{success: TRUE, country: US}")
        .replace("    aggregate: sum", "    where: {amount: 10.50}\n    aggregate: sum"));
    assertThat(registry.declaredFeature("user", "last_device_id").orElseThrow().aggregation().orElseThrow().where())
        .containsExactly(Map.entry("success", "true"), Map.entry("country", "US"));
    assertThat(registry.declaredFeature("user", "tx_amount_sum_1h").orElseThrow().aggregation().orElseThrow().where())
        .containsExactly(Map.entry("amount", "10.5"));
  }

  @Test
  void shouldAcceptMinAndMaxOfATimestampAsATimestamp() {
    FeatureRegistry registry = parse(VALID.replace("    type: double\n    source: stream\n    from: transaction\n"
        + "    aggregate: sum\n    field: amount", "    type: timestamp_ms\n    source: stream\n    from: transaction\n"
        + "    aggregate: min\n    field: ts"));
    assertThat(registry.declaredFeature("user", "tx_amount_sum_1h").orElseThrow().type()).isEqualTo(FeatureType.TIMESTAMP_MS);
  }

  /**
   * Each case: text of the valid registry (its first occurrence), what replaces it ({@code \n}
   * for a line break), the line the error must name, and what it must say.
   */
  @ParameterizedTest(name = "line {2}: {3}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // event type, event fields
      "`    from: login`|`    from: logon`|30|feature 'last_device_id': unknown event type 'logon'; allowed: login, transaction",
      "key: merchant_id|key: shop_id|39|feature 'merchant_tx_count_1h': event type 'transaction' has no field 'shop_id'; fields: user_id, ts, amount",
      "`    from: transaction\\n    key: merchant_id`|`    from: login`|34|event type 'login' has no field 'merchant_id' (the default key of entity 'merchant')",
      "key: merchant_id|key: amount|39|key 'amount' must be a string field holding the entity id, not number",
      "{success: true}|{succeeded: true}|31|feature 'last_device_id': event type 'login' has no field 'succeeded'",
      "{success: true}|{success: maybe}|31|where success: 'maybe' is not true or false",
      "`    aggregate: sum`|`    where: {amount: lots}\\n    aggregate: sum`|24|where amount: 'lots' is not a number",
      "field: amount|field: amt|25|feature 'tx_amount_sum_1h': event type 'transaction' has no field 'amt'",
      "`    aggregate: sum`|`    key: merchant_id\\n    aggregate: sum`|20|feature 'tx_amount_sum_1h' reads the user id from 'merchant_id', but 'tx_count_5m' from 'user_id': every stream feature of one entity reads its id from one event field",
      // aggregate and field
      "field: amount|field: currency|25|sum needs a number field, and 'currency' of transaction is a string; fields that fit: amount",
      "`aggregate: sum\\n    field: amount`|`aggregate: mean\\n    field: merchant_id`|25|mean needs a number field",
      "`aggregate: sum\\n    field: amount`|`aggregate: max\\n    field: country`|25|max needs a number or timestamp field, and 'country' of transaction is a string; fields that fit: ts, amount",
      "aggregate: sum|aggregate: avg|24|unknown aggregate 'avg'; allowed: count, sum, mean, min, max, last",
      "`    field: amount\\n`|``|24|feature 'tx_amount_sum_1h': sum needs 'field': the event field it reads (amount)",
      "`    field: device_id`|``|32|last needs 'field'",
      "`    window: 5m`|`    window: 5m\\n    field: amount`|20|feature 'tx_count_5m': count takes no 'field'",
      "`    aggregate: last\\n`|``|27|feature 'last_device_id' needs 'aggregate': count, sum, mean, min, max, last",
      // windows
      "`    window: 5m\\n`|``|18|feature 'tx_count_5m': count needs a 'window' (like 30s, 5m, 1h, 7d)",
      "window: 5m|window: 0s|19|feature 'tx_count_5m': window must be > 0, not '0s'",
      "window: 5m|window: -5m|19|window must be > 0, not '-5m'",
      "window: 5m|window: 999999999999d|19|window must be at most 3650d, not '999999999999d'",
      "window: 5m|window: 5 minutes|19|window '5 minutes' is not a duration like 30s, 5m, 1h, 7d",
      "window: 5m|window: 2w|19|window '2w' is not a duration",
      "`    field: device_id`|`    field: device_id\\n    window: 5m`|34|feature 'last_device_id': last takes no 'window'",
      // declared type against the aggregate
      "`    type: int`|`    type: double`|15|feature 'tx_count_5m': type double does not fit count of transaction by user_id over 5m, which gives int",
      "type: double|type: int|21|type int does not fit sum amount of transaction by user_id over 1h, which gives double",
      "`aggregate: sum\\n    field: amount`|`aggregate: max\\n    field: ts`|21|type double does not fit max ts of transaction by user_id over 1h, which gives timestamp_ms",
      "`    type: string\\n    source: stream`|`    type: int\\n    source: stream`|28|which gives string",
      // declarations missing, or where none belongs
      "`    from: transaction\\n    aggregate: count\\n    window: 5m\\n`|``|14|stream feature 'tx_count_5m' must declare what it computes: 'from' (event type: login, transaction) and 'aggregate'",
      "`    from: transaction\\n`|``|14|feature 'tx_count_5m' needs 'from': the event type it reads (login, transaction)",
      "`    source: batch`|`    source: batch\\n    window: 5m`|14|batch feature 'risk_segment' cannot take 'window': only stream features are computed from events",
      // names, entities, services
      "name: tx_amount_sum_1h|name: tx_count_5m|20|feature 'tx_count_5m' is defined twice in entity 'user'",
      "entity: merchant|entity: shop|35|feature 'merchant_tx_count_1h' names unknown entity 'shop'; declared: user, merchant",
      "merchant.merchant_tx_count_1h]|merchant.nope]|44|service 'fraud' names unknown feature 'merchant.nope' of entity 'merchant'",
      "[risk_segment, user|[nope, user|44|service 'fraud' names unknown feature 'nope' of entity 'user'",
      "merchant.merchant_tx_count_1h]|merchant_tx_count_1h]|44|unknown feature 'merchant_tx_count_1h' of entity 'user'",
      "merchant.merchant_tx_count_1h]|shop.merchant_tx_count_1h]|44|service 'fraud' names unknown entity 'shop' in 'shop.merchant_tx_count_1h'; declared: user, merchant",
      "user.tx_count_5m,|user.risk_segment,|44|service 'fraud' lists 'user.risk_segment' twice",
      "`- name: merchant\\n`|`- name: user\\n`|5|entity 'user' is declared twice",
      "`- name: merchant\\n`|`- name: Merchant\\n`|5|entity name 'Merchant' must match",
      "\"fs:merchant:\"|\"fs:user:m:\"|6|key prefix 'fs:user:m:' of entity 'merchant' and key prefix 'fs:user:' of entity 'user' overlap",
      "\"fs:merchant:\"|\"fs:\"|6|key prefix 'fs:' of entity 'merchant' and key prefix 'fs:user:' of entity 'user' overlap",
      "`entities:\\n`|`entity: {name: u, key_prefix: 'u:', id_pattern: 'a'}\\nentities:\\n`|3|give either 'entity' (one entity) or 'entities' (a list), not both"})
  void shouldNameTheLineAndTheProblemOfABadDeclaration(String text, String replacement, int line, String problem) {
    String yaml = VALID.replaceFirst(Pattern.quote(text.replace("\\n", "\n")),
        Matcher.quoteReplacement(replacement.replace("\\n", "\n")));
    assertThat(yaml).as("the case changes the registry").isNotEqualTo(VALID);
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("test.yaml:" + line + ":").hasMessageContaining(problem);
  }

  @Test
  void shouldRefuseAnOverrideOfTheFirstPrefixThatOverlapsAnotherEntity() {
    FeatureRegistry registry = parse(VALID);
    assertThatThrownBy(() -> registry.withOverrides("fs:", 10, 5)).isInstanceOf(RegistryException.class)
        .hasMessage("test.yaml: key prefix 'fs:' of entity 'user' and key prefix 'fs:merchant:' of entity 'merchant'"
            + " overlap: a SCAN of one would reach the other's keys");
    FeatureRegistry moved = registry.withOverrides("it:u:", 10, 5);
    assertThat(moved.keyPrefix()).isEqualTo("it:u:");
    assertThat(moved.entity("merchant").orElseThrow().keyPrefix()).isEqualTo("fs:merchant:");
    assertThat(moved.declaredFeatures()).isEqualTo(registry.declaredFeatures());
    assertThat(moved.allServices()).isEqualTo(registry.allServices());
  }

  // ---------------------------------------------------------------- the single-entity shape

  private static final String LEGACY = String.join("\n",
      "entity: {name: user, key_prefix: 'fs:user:', id_pattern: '[a-z0-9]+'}",
      "batch_ttl_seconds: 100",
      "stream_ttl_seconds: 10",
      "features:",
      "  - {name: tx_count_5m, type: int, source: stream}",
      "  - {name: last_login_ts, type: timestamp_ms, source: stream}",
      "  - {name: legacy_score, type: double, source: stream}",
      "  - {name: tx_amount_sum_1h, type: double, source: stream, from: transaction, aggregate: sum, field: amount, window: 1h}",
      "");

  @Test
  void shouldGiveTheOldShapesUndeclaredStreamFeaturesWhatTheProcessorComputesForThem() {
    FeatureRegistry registry = parse(LEGACY);
    assertThat(registry.entities()).extracting(EntityDefinition::name).containsExactly("user");
    assertThat(registry.declaredFeature("user", "tx_count_5m").orElseThrow().aggregation())
        .isEqualTo(BuiltInStreamFeatures.declaration("tx_count_5m"));
    assertThat(registry.declaredFeature("user", "last_login_ts").orElseThrow().aggregation().orElseThrow().describe())
        .isEqualTo("last ts of login by user_id where success=true");
    // Not one of the five: accepted without a declaration, as before (the processor computes nothing for it).
    assertThat(registry.declaredFeature("user", "legacy_score").orElseThrow().aggregation()).isEmpty();
    assertThat(registry.featureNames()).containsExactly("tx_count_5m", "last_login_ts", "legacy_score", "tx_amount_sum_1h");
  }

  @Test
  void shouldLeaveAnOldShapesBuiltInNameOfAnotherTypeWithoutADeclaration() {
    FeatureRegistry registry = parse(LEGACY.replace("{name: tx_count_5m, type: int", "{name: tx_count_5m, type: string"));
    assertThat(registry.declaredFeature("user", "tx_count_5m").orElseThrow().aggregation()).isEqualTo(Optional.empty());
    assertThat(registry.featureNames()).contains("tx_count_5m");
  }

  @Test
  void shouldValidateDeclarationsInTheOldShapeToo() {
    assertThatThrownBy(() -> parse(LEGACY.replace("field: amount", "field: currency")))
        .isInstanceOf(RegistryException.class).hasMessageStartingWith("test.yaml:8:")
        .hasMessageContaining("sum needs a number field");
    assertThatThrownBy(() -> parse(LEGACY.replace("source: stream}", "source: stream, entity: merchant}")))
        .hasMessageStartingWith("test.yaml:5:").hasMessageContaining("unknown entity 'merchant'; declared: user");
  }

  @Test
  void shouldListTheDeclarationKeysAmongTheAllowedOnes() {
    assertThatThrownBy(() -> parse(VALID.replace("    window: 1h\n  - name: last", "    windw: 1h\n  - name: last")))
        .hasMessageStartingWith("test.yaml:26:")
        .hasMessageContaining("unknown key 'windw' in a feature; allowed: aggregate, description, entity, field, from, key,"
            + " name, source, type, where, window");
  }

  @Test
  void shouldDescribeAggregationsInTheRegistrysNotation() {
    assertThat(List.of(Duration.ofSeconds(30), Duration.ofMinutes(90), Duration.ofHours(24), Duration.ofDays(7)))
        .extracting(StreamAggregation::windowText).containsExactly("30s", "90m", "1d", "7d");
  }
}
