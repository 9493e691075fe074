package io.featurestore.serving;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureService;
import io.featurestore.core.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a request's {@code features} or {@code service} into the list of feature names to
 * read. Service lists are taken as they are from the registry, built once at start; names
 * are checked by the store (unknown ones are a 400 naming them).
 */
final class FeatureSelection {
  private final Map<String, FeatureService> services;
  private final Map<String, FeatureService> allServices;
  private final String entity;
  private final List<String> serviceNames;
  private final List<String> featureNames;

  FeatureSelection(FeatureRegistry registry) {
    this.services = registry.services();
    this.allServices = registry.allServices();
    this.entity = registry.entityName();
    this.serviceNames = List.copyOf(services.keySet());
    this.featureNames = registry.featureNames();
  }

  /**
   * @param features the requested names, or null when the request has no {@code features}
   * @param service  the requested service, or null when the request has none
   */
  List<String> select(List<String> features, String service) {
    if (features != null && service != null) {
      throw new InvalidInputException("give either 'features' or 'service', not both");
    }
    if (service != null) {
      FeatureService found = services.get(service);
      if (found == null) {
        FeatureService other = allServices.get(service);
        if (other != null) {
          throw new ApiErrors.UnknownServiceException("feature service '" + service + "' reads "
              + String.join(" and ", other.entities()) + " features, not only the " + entity + "'s: read it with GET "
              + "/v1/features?" + String.join("&", other.entities().stream().map(e -> e + "=ID").toList()) + "&service="
              + service + " or a batch of 'rows'; services of the " + entity + " alone: " + String.join(", ", serviceNames),
              service, serviceNames);
        }
        throw new ApiErrors.UnknownServiceException(service, serviceNames);
      }
      return found.features();
    }
    if (features == null) {
      throw new InvalidInputException("name the features to read with 'features' (allowed: "
          + String.join(", ", featureNames) + ") or a feature service with 'service' (allowed: "
          + String.join(", ", serviceNames) + ")");
    }
    return features;
  }

  /** {@code features=a,b&features=c} → [a, b, c]; blanks around names are ignored, empty names dropped. */
  static List<String> splitQuery(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String value : values) {
      int start = 0;
      while (start <= value.length()) {
        int comma = value.indexOf(',', start);
        int end = comma < 0 ? value.length() : comma;
        String name = value.substring(start, end).trim();
        if (!name.isEmpty()) {
          out.add(name);
        }
        start = end + 1;
      }
    }
    return out;
  }

  /** {@code freshness=true|false}; absent means false. */
  static boolean freshness(String value) {
    if (value == null) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new InvalidInputException("freshness must be true or false, not '" + abbreviate(value) + "'");
  }

  static String abbreviate(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "…" : value;
  }
}
