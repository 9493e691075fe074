package io.featurestore.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /v1/features/batch}: either
 * {@code {"entity_ids": [...], "features": [...] | "service": "NAME", "freshness": false}} (ids
 * of the first entity, user), or {@code {"rows": [{"user": "u0001", "merchant": "m042"}, ...], ...}}
 * (one object of entity ids per row, features named {@code entity.feature}). Every rule is
 * checked before Redis is asked anything.
 *
 * @param entityIds null when the body gives rows instead
 * @param rows      null when the body gives entity ids instead; each row's ids valid by their entity's rule
 * @param features  null when the body names a service instead
 * @param service   null when the body names features instead
 */
record BatchRequest(List<String> entityIds, List<Map<String, String>> rows, List<String> features, String service,
    boolean freshness) {
  static final Set<String> KEYS = Set.of("entity_ids", "rows", "features", "service", "freshness");

  static BatchRequest parse(JsonNode body, FeatureRegistry registry, int maxBatch) {
    return parse(body, registry, new RowSelection(registry), maxBatch);
  }

  static BatchRequest parse(JsonNode body, FeatureRegistry registry, RowSelection entities, int maxBatch) {
    if (body == null || !body.isObject()) {
      throw new InvalidInputException("the body must be a JSON object like "
          + "{\"entity_ids\": [\"u0001\"], \"features\": [\"risk_segment\"]} or "
          + "{\"rows\": [{\"user\": \"u0001\", \"merchant\": \"m042\"}], \"service\": \"fraud_scoring_v2\"}");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        throw new InvalidInputException("unknown key '" + FeatureSelection.abbreviate(name)
            + "'; allowed: entity_ids, rows, features, service, freshness");
      }
    }
    JsonNode ids = body.get("entity_ids");
    JsonNode rows = body.get("rows");
    boolean hasIds = ids != null && !ids.isNull();
    if (hasIds && rows != null && !rows.isNull()) {
      throw new InvalidInputException("give either 'entity_ids' (ids of the " + registry.entityName()
          + ") or 'rows' (an object of entity ids per row), not both");
    }
    if (!hasIds && rows != null && !rows.isNull()) {
      return new BatchRequest(null, rows(rows, entities, maxBatch), features(body.get("features")),
          service(body.get("service")), freshness(body.get("freshness")));
    }
    if (!hasIds) {
      throw new InvalidInputException("'entity_ids' is missing: give a list of " + registry.entityName()
          + " ids, or 'rows' with an object of entity ids per row");
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
    return new BatchRequest(entityIds, null, features(body.get("features")), service(body.get("service")),
        freshness(body.get("freshness")));
  }

  /** {@code [{"user": "u0001", "merchant": "m042"}, ...]}: each key a declared entity, each id valid by its rule. */
  private static List<Map<String, String>> rows(JsonNode rows, RowSelection entities, int maxBatch) {
    if (!rows.isArray()) {
      throw new InvalidInputException("'rows' must be a list of objects of entity ids, not " + kind(rows));
    }
    if (rows.isEmpty()) {
      throw new InvalidInputException("'rows' is empty: give at least one row");
    }
    if (rows.size() > maxBatch) {
      throw new ApiErrors.TooManyIdsException("rows", rows.size(), maxBatch);
    }
    List<Map<String, String>> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode row = rows.get(i);
      if (!row.isObject()) {
        throw new InvalidInputException("rows[" + i + "] must be an object of entity ids like "
            + "{\"user\": \"u0001\", \"merchant\": \"m042\"}, not " + kind(row));
      }
      Map<String, String> ids = new LinkedHashMap<>(4);
      for (Iterator<Map.Entry<String, JsonNode>> fields = row.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        String entity = field.getKey();
        if (!entities.entityNames().contains(entity)) {
          throw new InvalidInputException("rows[" + i + "]: " + entities.unknownEntity(entity));
        }
        String where = "rows[" + i + "]." + entity;
        if (!field.getValue().isTextual()) {
          throw new InvalidInputException(where + " must be a string, not " + kind(field.getValue()));
        }
        ids.put(entity, entities.requireValidId(entity, field.getValue().textValue(), where));
      }
      out.add(ids);
    }
    return out;
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
