package io.featurestore.core;

/** A registry file that cannot be used: says where (file and line) and why. */
public final class RegistryException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public RegistryException(String source, int line, String reason) {
    super(source + (line > 0 ? ":" + line : "") + ": " + reason);
  }
}
