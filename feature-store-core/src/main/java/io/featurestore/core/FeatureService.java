package io.featurestore.core;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named feature set from the registry: what one model reads, from one entity or several.
 * Immutable; its lists are built once, since a read by service names them on every request.
 */
public final class FeatureService {
  private final String name;
  private final String description;
  private final List<FeatureRef> members;
  private final Set<String> entities;
  private final List<String> features;

  public FeatureService(String name, String description, List<FeatureRef> members) {
    this.name = Objects.requireNonNull(name, "name");
    this.description = description == null ? "" : description;
    this.members = List.copyOf(members);
    Set<String> entityNames = new LinkedHashSet<>();
    this.members.forEach(m -> entityNames.add(m.entity()));
    this.entities = java.util.Collections.unmodifiableSet(entityNames);
    List<String> names = new ArrayList<>(this.members.size());
    this.members.forEach(m -> names.add(entityNames.size() == 1 ? m.feature() : m.toString()));
    this.features = List.copyOf(names);
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  /** The features, each with its entity, in the order the registry lists them. */
  public List<FeatureRef> members() {
    return members;
  }

  /** The entities the service reads, in the order its members first name them. */
  public Set<String> entities() {
    return entities;
  }

  /**
   * The members as names: bare feature names for a service of one entity (what a
   * single-entity read takes), {@code entity.feature} for a service across entities.
   */
  public List<String> features() {
    return features;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureService s && name.equals(s.name) && description.equals(s.description)
        && members.equals(s.members);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, description, members);
  }

  @Override
  public String toString() {
    return "FeatureService[" + name + ": " + members + "]";
  }
}
