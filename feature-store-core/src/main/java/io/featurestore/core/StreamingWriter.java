package io.featurestore.core;

import java.util.List;

/** The stream processor's path: absolute streaming values with per-field TTLs, and its heartbeat. */
public interface StreamingWriter {
  /**
   * Writes absolute streaming values for many entities in one pipelined round trip. For each
   * entity, the fields, their expiry (the stream TTL, or a fixed expiry for fields that keep one)
   * and the removals are applied atomically: a field is never left without a TTL. The key-level
   * TTL is never touched. Every update is validated before anything is sent.
   *
   * <p>One entity's refusal (a key of another type, a script error for that key) does not fail
   * the others: it is returned, and every other write is applied.
   *
   * @return the entities whose writes the store refused, with its reason; empty when all were applied
   * @throws InvalidInputException     for an unknown or non-streaming field, a bad id or value
   * @throws StoreUnavailableException when the store cannot take writes now (some entities may
   *                                   have been written; the writes are absolute, so writing them
   *                                   all again is safe)
   */
  List<WriteRejection> writeStreaming(List<StreamingUpdate> updates);

  default List<WriteRejection> writeStreaming(StreamingUpdate update) {
    return writeStreaming(List.of(update));
  }

  /**
   * How many times this writer found that the store lost the data it had written (a restart
   * without persistence, a FLUSHALL, a failover to an empty replica). A writer that keeps the
   * truth elsewhere writes everything live again when this number moves. Cheap to call often.
   */
  long streamingServerResets();

  /** Writes (or renews) one instance's heartbeat, expiring after {@code ttlSeconds}. */
  void writeHeartbeat(Heartbeat heartbeat, long ttlSeconds);

  /** Removes an instance's heartbeat at once (clean shutdown). */
  void removeHeartbeat(String instanceId);
}
