package io.featurestore.core;

import java.util.Objects;

/** A feature named with its entity: {@code user.risk_segment}. */
public record FeatureRef(String entity, String feature) {
  public FeatureRef {
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(feature, "feature");
  }

  @Override
  public String toString() {
    return entity + "." + feature;
  }
}
