package io.featurestore.core;

/** The Redis server is too old for per-field TTLs (HEXPIRE/HTTL need Redis >= 7.4). */
public final class UnsupportedRedisException extends FeatureStoreException {
  private static final long serialVersionUID = 1L;

  public UnsupportedRedisException(String message) {
    super(message);
  }
}
