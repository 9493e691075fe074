package io.featurestore.processor;

import java.util.Arrays;

/**
 * The events of one user inside one sliding window, by event time: a sorted list of
 * (timestamp, id) pairs. The count at time T is the number of events with
 * {@code T - width < ts <= T}, so it goes down as events leave the window. The id (the
 * record's source offset) makes adding the same event twice a no-op, which keeps counts
 * right when records are replayed after a crash.
 */
final class EventWindow {
  private final long widthMs;
  private long[] ts;
  private long[] ids;
  private int size;

  EventWindow(long widthMs) {
    this(widthMs, new long[0], new long[0]);
  }

  EventWindow(long widthMs, long[] ts, long[] ids) {
    this.widthMs = widthMs;
    this.ts = ts;
    this.ids = ids;
    this.size = ts.length;
  }

  long widthMs() {
    return widthMs;
  }

  /** True when an event at {@code eventTs} can never be counted again at time {@code now}. */
  boolean isTooOld(long eventTs, long now) {
    return eventTs <= now - widthMs;
  }

  /** Adds an event; false when the same id is already in at the same timestamp (a replay). */
  boolean add(long eventTs, long id) {
    int at = upperBound(eventTs);
    for (int i = at - 1; i >= 0 && ts[i] == eventTs; i--) {
      if (ids[i] == id) {
        return false;
      }
    }
    if (size == ts.length) {
      int capacity = Math.max(4, size * 2);
      ts = Arrays.copyOf(ts, capacity);
      ids = Arrays.copyOf(ids, capacity);
    }
    System.arraycopy(ts, at, ts, at + 1, size - at);
    System.arraycopy(ids, at, ids, at + 1, size - at);
    ts[at] = eventTs;
    ids[at] = id;
    size++;
    return true;
  }

  /** Drops the events that have left the window at {@code now}. */
  void evict(long now) {
    int keepFrom = upperBound(now - widthMs);
    if (keepFrom > 0) {
      System.arraycopy(ts, keepFrom, ts, 0, size - keepFrom);
      System.arraycopy(ids, keepFrom, ids, 0, size - keepFrom);
      size -= keepFrom;
    }
  }

  /** Events with {@code now - width < ts <= now}. */
  int count(long now) {
    return upperBound(now) - upperBound(now - widthMs);
  }

  /**
   * The next moment the count changes by itself: when the oldest counted event leaves
   * the window, or when an event stamped in the future enters it. {@code Long.MAX_VALUE}
   * when the window is empty.
   */
  long nextChangeAt(long now) {
    long next = Long.MAX_VALUE;
    int first = upperBound(now - widthMs);
    if (first < size) {
      next = ts[first] <= now ? ts[first] + widthMs : ts[first];
    }
    int firstFuture = upperBound(now);
    if (firstFuture < size) {
      next = Math.min(next, ts[firstFuture]);
    }
    return next;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  long tsAt(int i) {
    return ts[i];
  }

  long idAt(int i) {
    return ids[i];
  }

  /** Index of the first event with a timestamp greater than {@code t}. */
  private int upperBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ts[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
