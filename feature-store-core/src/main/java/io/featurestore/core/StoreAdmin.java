package io.featurestore.core;

/** Administration of the entities under the registry's prefix; never touches {@code fs:meta:}. */
public interface StoreAdmin {
  /** Removes every entity under the prefix (SCAN + UNLINK in batches, never KEYS); returns how many. */
  long reset();

  /** Counts the entities under the prefix and samples the key TTL of a few; keys that are not entity ids are not counted. */
  StoreStats stats(int sampleSize);

  /** True when the store answers. */
  boolean ping();
}
