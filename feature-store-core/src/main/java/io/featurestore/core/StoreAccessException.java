package io.featurestore.core;

/**
 * Redis refuses this client: a wrong user or password, an ACL without the permission a command
 * needs, or a TLS certificate the client does not trust. Retrying cannot help; the settings must
 * change ({@code REDIS_USERNAME}, {@code REDIS_PASSWORD}, {@code REDIS_TLS_CA_FILE}, …).
 */
public class StoreAccessException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public StoreAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
