package io.featurestore.core;

import java.util.Objects;
import java.util.Optional;

/**
 * One feature of the registry: the entity whose hash holds it, its wire type, which pipeline
 * writes it and, for a streaming feature, what it computes from events. A stream feature of
 * a registry in the old single-{@code entity:} shape may have no declaration
 * ({@link BuiltInStreamFeatures}).
 */
public record FeatureDefinition(String entity, String name, FeatureType type, FeatureSource source, String description,
    Optional<StreamAggregation> aggregation) {
  public FeatureDefinition {
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(source, "source");
    description = description == null ? "" : description;
    Objects.requireNonNull(aggregation, "aggregation");
    if (source == FeatureSource.BATCH && aggregation.isPresent()) {
      throw new IllegalArgumentException("batch feature '" + name + "' cannot declare a stream aggregation");
    }
  }

  public FeatureRef ref() {
    return new FeatureRef(entity, name);
  }
}
