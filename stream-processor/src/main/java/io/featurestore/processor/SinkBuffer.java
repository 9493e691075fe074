package io.featurestore.processor;

import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.core.WriteRejection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pending Redis writes of one stream thread, merged per entity (the latest absolute value
 * of a field wins), flushed in pipelined chunks. Shared by all tasks of the thread, so a
 * flush empties it for every task before the thread commits offsets.
 *
 * <p>Redis unavailable: the write is retried with exponential backoff; when Redis stays
 * unavailable past the retry budget the flush throws, the task fails, and its offsets are not
 * committed: nothing is skipped. Redis refusing one entity's key (a key of another type under the
 * prefix): that entity's write is dropped with a log line and the {@code fs_processor_sink_rejected}
 * counter, and every other entity's write goes through.
 */
final class SinkBuffer {
  private static final Logger LOG = LoggerFactory.getLogger(SinkBuffer.class);
  static final int CHUNK = 500;

  private final FeatureWriter writer;
  private final ProcessorMetrics metrics;
  private final Duration retryBudget;
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  /**
   * Wall-clock time (the tasks' processor clock) before which no task of this thread reads its
   * rebuild's next slice: the one place every task of a thread shares, so its rebuilds together
   * take at most about half its time (see {@code EntityFeaturesProcessor.pacedRebuild}).
   */
  long rebuildSliceAllowedAt = Long.MIN_VALUE;

  SinkBuffer(FeatureWriter writer, ProcessorMetrics metrics, Duration retryBudget) {
    this.writer = writer;
    this.metrics = metrics;
    this.retryBudget = retryBudget;
  }

  private static final class Pending {
    final String task;
    final String entity;
    final String id;
    final Map<String, Object> set = new HashMap<>();
    /** Fields that keep a fixed expiry, with their value and that expiry. */
    final Map<String, Object> expiring = new HashMap<>();
    final Map<String, Long> expireAt = new HashMap<>();
    final Set<String> remove = new HashSet<>();
    /** Event time of the oldest event whose effect waits here, or -1 for lease renewals. */
    long oldestEventTs = -1;

    Pending(String task, String entity, String id) {
      this.task = task;
      this.entity = entity;
      this.id = id;
    }

    void caused(long causeEventTs) {
      if (causeEventTs >= 0 && (oldestEventTs < 0 || causeEventTs < oldestEventTs)) {
        oldestEventTs = causeEventTs;
      }
    }

    /** One update per distinct fixed expiry (usually one): the stream-TTL fields and removals ride with the first. */
    void addUpdates(List<StreamingUpdate> out) {
      if (expiring.isEmpty()) {
        out.add(new StreamingUpdate(entity, id, set, remove, Map.<String, Object>of(), 0));
        return;
      }
      Map<Long, Map<String, Object>> byExpiry = new java.util.TreeMap<>();
      expiring.forEach((field, value) -> byExpiry.computeIfAbsent(expireAt.get(field), k -> new HashMap<>())
          .put(field, value));
      boolean first = true;
      for (Map.Entry<Long, Map<String, Object>> e : byExpiry.entrySet()) {
        out.add(new StreamingUpdate(entity, id, first ? set : Map.<String, Object>of(), first ? remove : Set.<String>of(), e.getValue(),
            e.getKey()));
        first = false;
      }
    }
  }

  private Pending pendingFor(String task, String entity, String id) {
    return pending.computeIfAbsent(entity + '\u0000' + id, k -> new Pending(task, entity, id));
  }

  /**
   * Adds an entity's write for task {@code task}: {@code set} fields get the stream TTL,
   * {@code remove} fields are deleted.
   */
  void put(String task, String entity, String id, Map<String, Object> set, Set<String> remove, long causeEventTs) {
    if (set.isEmpty() && remove.isEmpty()) {
      return;
    }
    Pending p = pendingFor(task, entity, id);
    for (Map.Entry<String, Object> e : set.entrySet()) {
      p.set.put(e.getKey(), e.getValue());
      p.expiring.remove(e.getKey());
      p.expireAt.remove(e.getKey());
      p.remove.remove(e.getKey());
    }
    for (String field : remove) {
      p.remove.add(field);
      p.set.remove(field);
      p.expiring.remove(field);
      p.expireAt.remove(field);
    }
    p.caused(causeEventTs);
  }

  /** Adds fields of an entity that expire at {@code expireAtMs} (a fixed expiry, kept across rewrites). */
  void putExpiring(String task, String entity, String id, Map<String, Object> expiring, long expireAtMs,
      long causeEventTs) {
    if (expiring.isEmpty()) {
      return;
    }
    Pending p = pendingFor(task, entity, id);
    for (Map.Entry<String, Object> e : expiring.entrySet()) {
      p.expiring.put(e.getKey(), e.getValue());
      p.expireAt.put(e.getKey(), expireAtMs);
      p.set.remove(e.getKey());
      p.remove.remove(e.getKey());
    }
    p.caused(causeEventTs);
  }

  /** See {@link FeatureWriter#serverResets()}. */
  long serverResets() {
    return writer.serverResets();
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  int size() {
    return pending.size();
  }

  /**
   * Drops the pending writes of one task without writing them: a task that is closed (lost to
   * another instance, failed, or revoked) must not write values that its next owner may already
   * have replaced. Its next owner rewrites every live user from the state store on start.
   */
  int discard(String task) {
    int before = pending.size();
    pending.values().removeIf(p -> p.task.equals(task));
    return before - pending.size();
  }

  /** Writes everything pending; returns the number of entities written. */
  int flush() {
    if (pending.isEmpty()) {
      return 0;
    }
    long start = System.nanoTime();
    List<StreamingUpdate> chunk = new ArrayList<>(Math.min(CHUNK, pending.size()) + 1);
    for (Pending p : pending.values()) {
      p.addUpdates(chunk);
      if (chunk.size() >= CHUNK) {
        writeWithRetry(chunk);
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) {
      writeWithRetry(chunk);
    }
    int written = pending.size();
    metrics.sinkFlushed(written, System.nanoTime() - start);
    long writtenAt = System.currentTimeMillis();
    for (Pending p : pending.values()) {
      if (p.oldestEventTs >= 0) {
        metrics.endToEndLag(Math.max(0, writtenAt - p.oldestEventTs));
      }
    }
    pending.clear();
    return written;
  }

  private void writeWithRetry(List<StreamingUpdate> updates) {
    long deadline = System.nanoTime() + retryBudget.toNanos();
    long backoffMs = 50;
    for (int attempt = 1; ; attempt++) {
      try {
        List<WriteRejection> rejected = writer.write(updates);
        if (attempt > 1) {
          LOG.info("Redis write succeeded after {} attempts", attempt);
        }
        for (WriteRejection r : rejected) {
          metrics.sinkRejected();
          LOG.warn("Redis refused the streaming write of '{}' (key {}): {}; this entity's write is dropped, "
              + "every other entity's went through", r.entityId(), r.key(), r.reason());
        }
        return;
      } catch (InvalidInputException e) {
        throw e; // a bug, not an outage: retrying cannot help
      } catch (RuntimeException e) {
        if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
          throw new SinkUnavailableException("Redis write of " + updates.size() + " entities failed for "
              + retryBudget.toSeconds() + " s (" + attempt + " attempts); failing the task so its offsets are not committed", e);
        }
        metrics.sinkRetry();
        LOG.warn("Redis write failed (attempt {}), retrying in {} ms: {}", attempt, backoffMs, e.getMessage());
        sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SinkUnavailableException("interrupted while waiting to retry a Redis write", e);
    }
  }

  static final class SinkUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
