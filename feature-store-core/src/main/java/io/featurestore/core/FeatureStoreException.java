package io.featurestore.core;

/** Root of every failure the feature store reports; messages carry the context needed to act on them. */
public class FeatureStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FeatureStoreException(String message) {
    super(message);
  }

  public FeatureStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
