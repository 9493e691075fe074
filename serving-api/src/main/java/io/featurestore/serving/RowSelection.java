package io.featurestore.serving;

import io.featurestore.core.FeatureRef;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureService;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.UnknownFeatureException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The input rules of reads across entities ({@code GET /v1/features?user=…&merchant=…} and batch
 * {@code rows}): which features (each with its entity) a request reads, and whether a row gives
 * exactly the ids those features need, each by its entity's id rule. Built once at start; every
 * rule is checked before Redis is asked anything.
 */
final class RowSelection {
  /** What the features were chosen by, for messages: {@code service 'x'} or {@code the requested features}. */
  record Selected(List<FeatureRef> features, Set<String> entities, String chosenBy) {
  }

  private final String defaultEntity;
  private final Map<String, FeatureRegistry> views = new LinkedHashMap<>();
  private final Map<String, FeatureService> services;
  private final List<String> serviceNames;
  private final List<String> qualifiedFeatures = new ArrayList<>();
  private final Set<String> known = new HashSet<>();

  RowSelection(FeatureRegistry registry) {
    this.defaultEntity = registry.entityName();
    for (String entity : registry.entityNames()) {
      FeatureRegistry view = registry.forEntity(entity);
      views.put(entity, view);
      for (String name : view.featureNames()) {
        qualifiedFeatures.add(entity + "." + name);
        known.add(entity + "." + name);
      }
    }
    this.services = registry.allServices();
    this.serviceNames = List.copyOf(services.keySet());
  }

  Set<String> entityNames() {
    return views.keySet();
  }

  FeatureRegistry view(String entity) {
    return views.get(entity);
  }

  /**
   * @param features the requested names ({@code entity.feature}, or a bare name for the default
   *     entity's), or null when the request has no {@code features}
   * @param service  the requested service, or null when the request has none
   */
  Selected select(List<String> features, String service) {
    if (features != null && service != null) {
      throw new InvalidInputException("give either 'features' or 'service', not both");
    }
    if (service != null) {
      FeatureService found = services.get(service);
      if (found == null) {
        throw new ApiErrors.UnknownServiceException(service, serviceNames);
      }
      return new Selected(found.members(), found.entities(), "service '" + service + "'");
    }
    if (features == null) {
      throw new InvalidInputException("name the features to read with 'features' as entity.feature (allowed: "
          + String.join(", ", qualifiedFeatures) + ") or a feature service with 'service' (allowed: "
          + String.join(", ", serviceNames) + ")");
    }
    if (features.isEmpty()) {
      throw new InvalidInputException("no features requested; allowed: " + String.join(", ", qualifiedFeatures));
    }
    List<FeatureRef> refs = new ArrayList<>(features.size());
    List<String> unknown = new ArrayList<>();
    Set<FeatureRef> seen = new HashSet<>();
    Set<String> entities = new LinkedHashSet<>();
    for (String name : features) {
      int dot = name.indexOf('.');
      FeatureRef ref = dot < 0 ? new FeatureRef(defaultEntity, name)
          : new FeatureRef(name.substring(0, dot), name.substring(dot + 1));
      if (!known.contains(ref.toString())) {
        unknown.add(FeatureSelection.abbreviate(ref.toString()));
      } else if (!seen.add(ref)) {
        throw new InvalidInputException("feature '" + ref + "' is requested twice");
      } else {
        refs.add(ref);
        entities.add(ref.entity());
      }
    }
    if (!unknown.isEmpty()) {
      throw new UnknownFeatureException("unknown feature" + (unknown.size() > 1 ? "s" : ""), unknown, qualifiedFeatures);
    }
    return new Selected(refs, entities, "the requested features");
  }

  /**
   * Checks one row's ids against what the selection reads.
   *
   * @param where     how the row is named in messages ({@code rows[3]}), or null for a query's parameters
   */
  void checkRow(Map<String, String> row, Selected selected, String where) {
    for (String entity : row.keySet()) {
      if (!selected.entities().contains(entity)) {
        throw new InvalidInputException((where == null ? "'" + entity + "=' is given" : where + " gives a " + entity + " id")
            + ", but " + selected.chosenBy() + " read" + (selected.chosenBy().startsWith("service") ? "s" : "")
            + " no " + entity + " feature (only " + String.join(", ", selected.entities())
            + "); drop it or choose features of the " + entity);
      }
    }
    for (String entity : selected.entities()) {
      if (!row.containsKey(entity)) {
        throw new InvalidInputException((where == null ? "no " + entity + " id: " : where + " has no " + entity + " id: ")
            + selected.chosenBy() + " read" + (selected.chosenBy().startsWith("service") ? "s" : "") + " "
            + entity + " features, so give one" + (where == null ? " with " + entity + "=ID" : " as \"" + entity + "\": \"ID\""));
      }
    }
  }

  /** An id by its entity's rule; {@code where} names it in the message ({@code rows[3].merchant}, or null). */
  String requireValidId(String entity, String id, String where) {
    String prefix = where == null ? "" : where + ": ";
    if (id.isEmpty()) {
      throw new InvalidInputException(prefix + "the " + entity + " id is empty");
    }
    try {
      return views.get(entity).requireValidEntityId(id);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(prefix + e.getMessage());
    }
  }

  /** The message for an entity the registry does not declare. */
  String unknownEntity(String name) {
    return "unknown entity '" + FeatureSelection.abbreviate(name) + "'; the registry declares: "
        + String.join(", ", views.keySet());
  }
}
