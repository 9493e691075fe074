package io.featurestore.core;

import java.util.Objects;

/** One feature of the registry. */
public record FeatureDefinition(String name, FeatureType type, FeatureSource source, String description) {
  public FeatureDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(source, "source");
    description = description == null ? "" : description;
  }
}
