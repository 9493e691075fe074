package io.featurestore.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entity of the registry: its name (as in {@code user.risk_segment}), the prefix of its
 * hashes and the rule its ids follow.
 */
public record EntityDefinition(String name, String keyPrefix, Pattern idPattern) {
  public EntityDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(idPattern, "idPattern");
    if (keyPrefix == null || keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("key prefix must not be empty: reset would reach every key");
    }
  }

  /** The event field that holds this entity's id when a declaration names none. */
  public String defaultKeyField() {
    return name + "_id";
  }

  /** True when one prefix starts the other, so one entity's SCAN would also reach the other's keys. */
  boolean overlaps(EntityDefinition other) {
    return keyPrefix.startsWith(other.keyPrefix) || other.keyPrefix.startsWith(keyPrefix);
  }

  EntityDefinition withKeyPrefix(String prefix) {
    return new EntityDefinition(name, prefix, idPattern);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntityDefinition e && name.equals(e.name) && keyPrefix.equals(e.keyPrefix)
        && idPattern.pattern().equals(e.idPattern.pattern());
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, keyPrefix, idPattern.pattern());
  }
}
