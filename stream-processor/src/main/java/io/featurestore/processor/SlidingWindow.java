package io.featurestore.processor;

import java.util.Arrays;

/**
 * One user's events inside one sliding window, kept as time buckets, so its size is bounded
 * by the window length and not by the number of events: at most {@code window / resolution}
 * buckets, whatever the event rate.
 *
 * <p>Bucket {@code b} holds the events with {@code (b - 1) * res < ts <= b * res}. Read at
 * time T, the window holds the buckets {@code k - span < b <= k} with {@code k = ceil(T / res)}
 * and {@code span = window / res}: exactly the events with {@code T' - window < ts <= T'} for
 * {@code T' = k * res}, a moment less than one resolution step after T. So an event counts as
 * soon as it arrives, and a count is exact at every multiple of the resolution and within one
 * step in between.
 *
 * <p>Each bucket keeps a count and, for windows of numeric values, their sum, minimum and
 * maximum, so count, sum, mean, min and max over the window all come from one structure.
 * Count and sum are running totals (O(1) per event and per read); the sum is compensated
 * (Neumaier), so its rounding error stays that of one addition however many events entered and
 * left. Min and max are kept for the buckets read so far and updated as events arrive; they
 * are rescanned (O(buckets)) only when the bucket holding the extreme leaves the window.
 */
final class SlidingWindow {
  /**
   * Most buckets of any window: a full window with values is at most about 290 KB of state
   * (9,000 × 32 bytes), so an entity's state fits a changelog record (1 MiB) with a few of them.
   */
  static final long MAX_BUCKETS = 9_000;
  private final long widthMs;
  private final long resolutionMs;
  private final long span;
  private final boolean withValues;
  private long[] buckets;
  private long[] counts;
  private double[] sums;
  private double[] mins;
  private double[] maxs;
  private int size;
  private long totalCount;
  private double totalSum;
  /** Neumaier compensation of {@link #totalSum}: the true running sum is their sum. */
  private double sumCompensation;
  /** Min and max over the buckets up to {@link #extremaUpTo}, valid while {@link #extremaValid}. */
  private double cachedMin = Double.POSITIVE_INFINITY;
  private double cachedMax = Double.NEGATIVE_INFINITY;
  private long extremaUpTo;
  private boolean extremaValid;

  SlidingWindow(long widthMs, boolean withValues) {
    this(widthMs, resolutionFor(widthMs), withValues);
  }

  SlidingWindow(long widthMs, long resolutionMs, boolean withValues) {
    if (widthMs <= 0 || resolutionMs <= 0 || widthMs % resolutionMs != 0) {
      throw new IllegalArgumentException("window " + widthMs + " ms is not a positive multiple of its resolution "
          + resolutionMs + " ms");
    }
    this.widthMs = widthMs;
    this.resolutionMs = resolutionMs;
    this.span = widthMs / resolutionMs;
    this.withValues = withValues;
    this.buckets = new long[0];
    this.counts = new long[0];
    if (withValues) {
      sums = new double[0];
      mins = new double[0];
      maxs = new double[0];
    }
  }

  /**
   * The bucket width for a window, so that no window has more than {@link #MAX_BUCKETS} buckets
   * and a busy entity's state cannot grow with its events: 100 ms up to 15 minutes, then the
   * finest of 200 ms, 250 ms, 500 ms, and beyond that the finest whole number of seconds that
   * divides the window (1 h: 500 ms, 24 h: 10 s, 7 d: 70 s, 30 d: 288 s). A window with no such
   * divisor among the next thousand (a prime number of seconds) is one bucket, which the
   * processor refuses to declare.
   */
  static long resolutionFor(long widthMs) {
    for (long candidate : new long[] {100, 200, 250, 500}) {
      if (widthMs % candidate == 0 && widthMs / candidate <= MAX_BUCKETS) {
        return candidate;
      }
    }
    if (widthMs % 1000 != 0) {
      throw new IllegalArgumentException("a window longer than " + MAX_BUCKETS * 500 / 1000 + " s must be whole seconds, not "
          + widthMs + " ms");
    }
    long seconds = widthMs / 1000;
    long finest = (seconds + MAX_BUCKETS - 1) / MAX_BUCKETS;
    for (long candidate = finest; candidate < finest + 1000; candidate++) {
      if (seconds % candidate == 0) {
        return candidate * 1000;
      }
    }
    return widthMs; // bounded search: a registry window's length comes from its author
  }

  long widthMs() {
    return widthMs;
  }

  long resolutionMs() {
    return resolutionMs;
  }

  boolean withValues() {
    return withValues;
  }

  private long bucketOf(long ts) {
    return Math.floorDiv(ts - 1, resolutionMs) + 1;
  }

  private long readBucket(long now) {
    return bucketOf(now);
  }

  /** True when an event at {@code eventTs} can never be in the window again at time {@code now} or later. */
  boolean isTooOld(long eventTs, long now) {
    return bucketOf(eventTs) <= readBucket(now) - span;
  }

  /** Adds an event (its value is ignored by a window without values). */
  void add(long eventTs, double value) {
    long b = bucketOf(eventTs);
    int at = size > 0 && buckets[size - 1] < b ? size : lowerBound(b);
    if (at == size || buckets[at] != b) {
      insertAt(at, b);
    }
    counts[at]++;
    totalCount++;
    if (withValues) {
      sums[at] += value;
      mins[at] = Math.min(mins[at], value);
      maxs[at] = Math.max(maxs[at], value);
      addToTotal(value);
      if (extremaValid && b <= extremaUpTo) {
        cachedMin = Math.min(cachedMin, value);
        cachedMax = Math.max(cachedMax, value);
      }
    }
  }

  private void addToTotal(double value) {
    double t = totalSum + value;
    if (Math.abs(totalSum) >= Math.abs(value)) {
      sumCompensation += (totalSum - t) + value;
    } else {
      sumCompensation += (value - t) + totalSum;
    }
    totalSum = t;
  }

  private void insertAt(int at, long b) {
    if (size == buckets.length) {
      int capacity = Math.max(4, size * 2);
      buckets = Arrays.copyOf(buckets, capacity);
      counts = Arrays.copyOf(counts, capacity);
      if (withValues) {
        sums = Arrays.copyOf(sums, capacity);
        mins = Arrays.copyOf(mins, capacity);
        maxs = Arrays.copyOf(maxs, capacity);
      }
    }
    int tail = size - at;
    System.arraycopy(buckets, at, buckets, at + 1, tail);
    System.arraycopy(counts, at, counts, at + 1, tail);
    buckets[at] = b;
    counts[at] = 0;
    if (withValues) {
      System.arraycopy(sums, at, sums, at + 1, tail);
      System.arraycopy(mins, at, mins, at + 1, tail);
      System.arraycopy(maxs, at, maxs, at + 1, tail);
      sums[at] = 0;
      mins[at] = Double.POSITIVE_INFINITY;
      maxs[at] = Double.NEGATIVE_INFINITY;
    }
    size++;
  }

  /** Drops the buckets that have left the window at {@code now}; they can never count again. */
  void evict(long now) {
    long oldestKept = readBucket(now) - span + 1;
    int keepFrom = 0;
    while (keepFrom < size && buckets[keepFrom] < oldestKept) {
      totalCount -= counts[keepFrom];
      if (withValues) {
        addToTotal(-sums[keepFrom]);
        if (extremaValid && buckets[keepFrom] <= extremaUpTo
            && (mins[keepFrom] <= cachedMin || maxs[keepFrom] >= cachedMax)) {
          extremaValid = false; // the extreme left: rescan at the next read
        }
      }
      keepFrom++;
    }
    if (keepFrom > 0) {
      int rest = size - keepFrom;
      System.arraycopy(buckets, keepFrom, buckets, 0, rest);
      System.arraycopy(counts, keepFrom, counts, 0, rest);
      if (withValues) {
        System.arraycopy(sums, keepFrom, sums, 0, rest);
        System.arraycopy(mins, keepFrom, mins, 0, rest);
        System.arraycopy(maxs, keepFrom, maxs, 0, rest);
      }
      size = rest;
      if (size == 0) {
        totalSum = 0; // no rounding residue left behind
        sumCompensation = 0;
      }
    }
  }

  /** Index of the first bucket that is still in the future at {@code now}. */
  private int firstFuture(long now) {
    long k = readBucket(now);
    int i = size;
    while (i > 0 && buckets[i - 1] > k) {
      i--;
    }
    return i;
  }

  /** Events in the window at {@code now}; call {@link #evict} first. */
  long count(long now) {
    long future = 0;
    for (int i = firstFuture(now); i < size; i++) {
      future += counts[i];
    }
    return totalCount - future;
  }

  /** Sum of the values in the window at {@code now}; call {@link #evict} first. */
  double sum(long now) {
    requireValues();
    double future = 0;
    for (int i = firstFuture(now); i < size; i++) {
      future += sums[i];
    }
    return (totalSum + sumCompensation) - future;
  }

  /** Smallest value in the window at {@code now}, or NaN when it is empty; call {@link #evict} first. */
  double min(long now) {
    updateExtrema(now);
    return cachedMin == Double.POSITIVE_INFINITY ? Double.NaN : cachedMin;
  }

  /** Largest value in the window at {@code now}, or NaN when it is empty; call {@link #evict} first. */
  double max(long now) {
    updateExtrema(now);
    return cachedMax == Double.NEGATIVE_INFINITY ? Double.NaN : cachedMax;
  }

  /** Brings the kept min and max to the buckets in the window at {@code now}. */
  private void updateExtrema(long now) {
    requireValues();
    long k = readBucket(now);
    int end = firstFuture(now);
    if (!extremaValid || k < extremaUpTo) {
      cachedMin = Double.POSITIVE_INFINITY;
      cachedMax = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < end; i++) {
        include(i);
      }
      extremaValid = true;
    } else {
      // Buckets that were in the future at the last read and have entered since.
      for (int i = end - 1; i >= 0 && buckets[i] > extremaUpTo; i--) {
        include(i);
      }
    }
    extremaUpTo = k;
  }

  private void include(int i) {
    cachedMin = Math.min(cachedMin, mins[i]);
    cachedMax = Math.max(cachedMax, maxs[i]);
  }

  private void requireValues() {
    if (!withValues) {
      throw new IllegalStateException("this window keeps counts only");
    }
  }

  /**
   * The next moment the window's content changes by itself: when its oldest bucket leaves,
   * or when a bucket stamped in the future enters. {@code Long.MAX_VALUE} when it is empty.
   */
  long nextChangeAt(long now) {
    long k = readBucket(now);
    long next = Long.MAX_VALUE;
    if (size > 0 && buckets[0] <= k) {
      // Bucket b stays while ceil(T / res) <= b + span - 1, i.e. until T passes (b + span - 1) * res.
      next = (buckets[0] + span - 1) * resolutionMs + 1;
    }
    int future = firstFuture(now);
    if (future < size) {
      // Bucket b enters once ceil(T / res) >= b, i.e. once T passes (b - 1) * res.
      next = Math.min(next, (buckets[future] - 1) * resolutionMs + 1);
    }
    return next;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  long bucketAt(int i) {
    return buckets[i];
  }

  long countAt(int i) {
    return counts[i];
  }

  double sumAt(int i) {
    return sums[i];
  }

  double minAt(int i) {
    return mins[i];
  }

  double maxAt(int i) {
    return maxs[i];
  }

  /** Restores one bucket, in ascending order (deserialization). */
  void restoreBucket(long bucket, long count, double sum, double min, double max) {
    if (size > 0 && buckets[size - 1] >= bucket) {
      throw new IllegalStateException("buckets out of order: " + bucket + " after " + buckets[size - 1]);
    }
    insertAt(size, bucket);
    counts[size - 1] = count;
    totalCount += count;
    if (withValues) {
      sums[size - 1] = sum;
      mins[size - 1] = min;
      maxs[size - 1] = max;
      addToTotal(sum);
      extremaValid = false;
    }
  }

  /** Index of the first bucket not below {@code b}. */
  private int lowerBound(long b) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (buckets[mid] < b) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
