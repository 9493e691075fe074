package io.featurestore.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The body of {@code POST /v1/features/batch}:
 * {@code {"entity_ids": [...], "features": [...] | "service": "NAME", "freshness": false}}.
 * Every rule is checked before Redis is asked anything.
 *
 * @param features null when the body names a service instead
 * @param service  null when the body names features instead
 */
record BatchRequest(List<String> entityIds, List<String> features, String service, boolean freshness) {
  static final Set<String> KEYS = Set.of("entity_ids", "features", "service", "freshness");

  static BatchRequest parse(JsonNode body, FeatureRegistry registry, int maxBatch) {
    if (body == null || !body.isObject()) {
      throw new InvalidInputException("the body must be a JSON object like "
          + "{\"entity_ids\": [\"u0001\"], \"features\": [\"risk_segment\"]}");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        throw new InvalidInputException("unknown key '" + FeatureSelection.abbreviate(name)
            + "'; allowed: entity_ids, features, service, freshness");
      }
    }
    JsonNode ids = body.get("entity_ids");
    if (ids == null || ids.isNull()) {
      throw new InvalidInputException("'entity_ids' is missing: give a list of entity ids");
    }
    if (!ids.isArray()) {
      throw new InvalidInputException("'entity_ids' must be a list of strings, not " + kind(ids));
    }
    if (ids.isEmpty()) {
      throw new InvalidInputException("'entity_ids' is empty: give at least one entity id");
    }
    if (ids.size() > maxBatch) {
      throw new ApiErrors.TooManyIdsException(ids.size(), maxBatch);
    }
    List<String> entityIds = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      JsonNode id = ids.get(i);
      if (!id.isTextual()) {
        throw new InvalidInputException("entity_ids[" + i + "] must be a string, not " + kind(id));
      }
      try {
        entityIds.add(registry.requireValidEntityId(id.textValue()));
      } catch (InvalidInputException e) {
        throw new InvalidInputException("entity_ids[" + i + "]: " + e.getMessage());
      }
    }
    return new BatchRequest(entityIds, features(body.get("features")), service(body.get("service")),
        freshness(body.get("freshness")));
  }

  private static List<String> features(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw new InvalidInputException("'features' must be a list of feature names, not " + kind(node));
    }
    List<String> names = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      if (!node.get(i).isTextual()) {
        throw new InvalidInputException("features[" + i + "] must be a string, not " + kind(node.get(i)));
      }
      names.add(node.get(i).textValue());
    }
    return names;
  }

  private static String service(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new InvalidInputException("'service' must be a string, not " + kind(node));
    }
    return node.textValue();
  }

  private static boolean freshness(JsonNode node) {
    if (node == null || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw new InvalidInputException("'freshness' must be true or false, not " + kind(node));
    }
    return node.booleanValue();
  }

  private static String kind(JsonNode node) {
    switch (node.getNodeType()) {
      case ARRAY:
        return "a list";
      case OBJECT:
        return "an object";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      case NULL:
        return "null";
      default:
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
  }
}
