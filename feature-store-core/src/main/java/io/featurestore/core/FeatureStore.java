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
   * Connects with pooled clients, to one server or, when {@code connection} names cluster nodes,
   * to a Redis Cluster; checks that every node is Redis >= 7.4, failing with a clear message
   * otherwise. Wrong credentials or an untrusted certificate fail at once with
   * {@link StoreAccessException}; a Redis that cannot be reached with {@link StoreUnavailableException}.
   */
  static FeatureStore connect(RedisConnection connection, FeatureRegistry registry) {
    return RedisFeatureStore.connect(connection, registry);
  }

  /** {@link #connect(RedisConnection, FeatureRegistry)} to one server at {@code redisUrl}. */
  static FeatureStore connect(String redisUrl, FeatureRegistry registry) {
    return connect(RedisConnection.url(redisUrl), registry);
  }

  FeatureRegistry registry();

  FeatureReader reader();

  StreamingWriter streamingWriter();

  BulkLoader bulkLoader();

  StoreAdmin admin();

  @Override
  void close();
}
