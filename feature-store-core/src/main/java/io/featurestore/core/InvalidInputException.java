package io.featurestore.core;

/**
 * Input that the caller must fix (unknown feature, malformed entity id, a value of the
 * wrong type). Services map it to a client error (HTTP 4xx, a dead-letter record, a
 * rejected batch file); it never means the store is unhealthy.
 */
public class InvalidInputException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
