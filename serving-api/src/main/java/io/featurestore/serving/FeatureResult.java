package io.featurestore.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.featurestore.core.FeatureVector;
import java.util.List;
import java.util.Map;

/**
 * One entity's answer: {@code {"entity_id", "found", "features", "missing"}} and, with
 * freshness, {@code "ttl_seconds"} (fields that have a TTL) and {@code "key_ttl_seconds"}
 * (absent when the key has no TTL); {@code "error"} when its key could not be read (not a hash), or
 * some of its values are not of their feature's type (those features are then missing), the other
 * entities and features of the request being served.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record FeatureResult(String entityId, boolean found, Map<String, Object> features, List<String> missing,
    Map<String, Long> ttlSeconds, Long keyTtlSeconds, String error) {

  static FeatureResult of(FeatureVector vector, boolean freshness) {
    return new FeatureResult(vector.entityId(), vector.found(), vector.values(), vector.missing(),
        freshness ? vector.ttlSeconds() : null,
        freshness && vector.keyTtlSeconds().isPresent() ? vector.keyTtlSeconds().getAsLong() : null,
        vector.error().orElse(null));
  }

  /** {@code {"results": [...]}}, in request order. */
  record Batch(List<FeatureResult> results) {
  }

  /** One row across entities: {@code {"entities": {"user": {...}, "merchant": {...}}}}. */
  record Row(Map<String, FeatureResult> entities) {
    static Row of(Map<String, FeatureVector> vectors, boolean freshness) {
      Map<String, FeatureResult> entities = new java.util.LinkedHashMap<>(vectors.size() * 2);
      vectors.forEach((entity, vector) -> entities.put(entity, FeatureResult.of(vector, freshness)));
      return new Row(entities);
    }
  }

  /** {@code {"results": [<one Row per requested row>]}}, in request order. */
  record RowBatch(List<Row> results) {
  }
}
