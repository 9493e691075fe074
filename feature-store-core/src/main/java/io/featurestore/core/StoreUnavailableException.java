package io.featurestore.core;

/**
 * Redis cannot take requests right now: unreachable, timed out, loading its data set, out of
 * memory, read-only, or a cluster that is down. Retrying later may succeed; nothing about the
 * request itself is wrong.
 */
public class StoreUnavailableException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
