package io.featurestore.core;

/** Which pipeline writes a feature, and so which TTL layer covers it. */
public enum FeatureSource {
  /** Written by the materializer; covered by the key-level EXPIRE. */
  BATCH,
  /** Written by the stream processor; each field carries its own TTL (HEXPIRE). */
  STREAM
}
