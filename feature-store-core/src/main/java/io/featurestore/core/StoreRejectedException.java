package io.featurestore.core;

/**
 * The store refused a command (a key of another type, a script error): retrying the same
 * request cannot help, and other keys are unaffected.
 */
public class StoreRejectedException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public StoreRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
