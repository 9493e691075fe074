package io.featurestore.materializer;

import io.featurestore.core.EntityRow;
import io.featurestore.population.Merchants;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The batch features of the synthetic merchants {@code m0001 … mN} ({@link Merchants}): category,
 * risk tier and age, each merchant's values depending only on the seed and its number, so
 * {@code m0042} is the same merchant whatever the count, and the one the event simulator sends
 * transactions to.
 */
public final class SyntheticMerchants {
  /** The features every synthetic merchant row holds. */
  public static final List<String> FEATURES = List.of("merchant_category", "merchant_risk_tier", "merchant_age_days");

  private SyntheticMerchants() {}

  public static Iterator<EntityRow> generate(long count, long seed) {
    return SyntheticUsers.rows(count, n -> merchant(n, seed));
  }

  static EntityRow merchant(long n, long seed) {
    Merchants.Merchant m = Merchants.merchant(n, seed);
    return new EntityRow(m.merchantId(), Map.of(
        "merchant_category", m.category(),
        "merchant_risk_tier", m.riskTier(),
        "merchant_age_days", Long.toString(m.ageDays())));
  }
}
