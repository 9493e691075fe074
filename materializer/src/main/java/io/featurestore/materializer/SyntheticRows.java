package io.featurestore.materializer;

import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.core.InvalidInputException;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The synthetic entities {@code load --count} generates, by entity: users ({@link SyntheticUsers})
 * and merchants ({@link SyntheticMerchants}). Checked against the registry before anything is
 * generated: the entity's batch features must include every feature the rows hold, and the first
 * and last ids must match its id rule.
 */
record SyntheticRows(String entity, String plural, List<String> features, LongFunction<String> id,
    Generator generator) {

  interface Generator {
    Iterator<EntityRow> generate(long count, long seed);
  }

  private static final List<SyntheticRows> ALL = List.of(
      new SyntheticRows("user", "users", List.of("country_iso", "risk_segment", "account_age_days", "tx_count_7d",
          "avg_amount_30d", "chargeback_count_180d"), Population::userId, SyntheticUsers::generate),
      new SyntheticRows("merchant", "merchants", SyntheticMerchants.FEATURES, Merchants::merchantId,
          SyntheticMerchants::generate));

  /**
   * The synthetic rows of {@code registry}'s entity (its single-entity view), checked against it.
   *
   * @throws InvalidInputException for an entity without synthetic rows, or a registry they do not fit
   */
  static SyntheticRows of(FeatureRegistry registry, long count) {
    String entity = registry.entityName();
    SyntheticRows rows = ALL.stream().filter(r -> r.entity.equals(entity)).findFirst()
        .orElseThrow(() -> new InvalidInputException("--count generates synthetic "
            + String.join(" or ", ALL.stream().map(SyntheticRows::plural).toList()) + ", not " + entity
            + " entities; load those from a file with --from"));
    List<String> batch = registry.features(FeatureSource.BATCH).stream().map(FeatureDefinition::name).toList();
    List<String> missing = rows.features.stream().filter(f -> !batch.contains(f)).toList();
    if (!missing.isEmpty()) {
      throw new InvalidInputException("synthetic " + rows.plural + " hold " + String.join(", ", rows.features)
          + ", but the registry (" + registry.source() + ") has no batch feature " + String.join(", ", missing)
          + " for entity " + entity + "; load from a file with --from instead");
    }
    for (String id : List.of(rows.id.apply(1), rows.id.apply(count))) {
      if (!registry.isValidEntityId(id)) {
        throw new InvalidInputException("synthetic " + entity + " id " + id + " does not match the registry's id pattern "
            + registry.idPattern());
      }
    }
    return rows;
  }

  Iterator<EntityRow> generate(long count, long seed) {
    return generator.generate(count, seed);
  }
}
