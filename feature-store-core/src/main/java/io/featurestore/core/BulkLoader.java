package io.featurestore.core;

import java.util.Iterator;
import java.util.function.LongConsumer;

/** The batch path: daily features under a key-level TTL. */
public interface BulkLoader {
  /** Rows sent as one pipeline: bounded, so millions of rows never build one giant pipeline. */
  int DEFAULT_CHUNK_SIZE = 1000;

  /**
   * Writes each row's batch features and sets the entity's key-level TTL, pipelined in chunks
   * of {@code chunkSize} rows on {@code parallelism} connections. Streaming fields and their TTLs
   * are never touched. Rows are validated as they stream by; files should be validated whole
   * before calling this (see the materializer).
   *
   * @param progress told the number of rows written so far after each chunk
   */
  BulkLoadResult bulkLoad(Iterator<EntityRow> rows, long ttlSeconds, int chunkSize, int parallelism,
      LongConsumer progress);
}
