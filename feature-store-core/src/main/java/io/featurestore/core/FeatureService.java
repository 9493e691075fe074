package io.featurestore.core;

import java.util.List;

/** A named feature set from the registry: what one model reads. */
public record FeatureService(String name, String description, List<String> features) {
  public FeatureService {
    features = List.copyOf(features);
  }
}
