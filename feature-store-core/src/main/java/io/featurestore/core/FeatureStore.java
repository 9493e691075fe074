package io.featurestore.core;

/**
 * The feature store, one hash per entity: batch fields under a key-level EXPIRE, streaming
 * fields each with their own TTL. Every module goes through it to touch Redis, and each takes
 * only the part it needs: the serving API a {@link FeatureReader}, the stream processor a
 * {@link StreamingWriter}, the materializer a {@link BulkLoader} and a {@link StoreAdmin}.
 * Implementations are thread-safe and translate every client failure into the project's own
 * exceptions ({@link StoreUnavailableException}, {@link StoreRejectedException}).
 */
public interface FeatureStore extends AutoCloseable {
  /**
   * Connects with a pooled client and checks that the server is Redis >= 7.4, failing with a
   * clear message otherwise.
   */
  static FeatureStore connect(String redisUrl, FeatureRegistry registry) {
    return RedisFeatureStore.connect(redisUrl, registry);
  }

  FeatureRegistry registry();

  FeatureReader reader();

  StreamingWriter streamingWriter();

  BulkLoader bulkLoader();

  StoreAdmin admin();

  @Override
  void close();
}
