package io.featurestore.core;

import java.util.List;

/** Names features that the registry does not have, and lists the ones it has. */
public final class UnknownFeatureException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  private final List<String> unknown;
  private final List<String> allowed;

  public UnknownFeatureException(String what, List<String> unknown, List<String> allowed) {
    super(what + " " + String.join(", ", unknown) + "; allowed: " + String.join(", ", allowed));
    this.unknown = List.copyOf(unknown);
    this.allowed = List.copyOf(allowed);
  }

  public List<String> unknown() {
    return unknown;
  }

  public List<String> allowed() {
    return allowed;
  }
}
