package io.featurestore.simulator;

import java.util.concurrent.TimeUnit;

/**
 * Holds a target rate by handing out permits per tick rather than sleeping once per event:
 * at each tick the caller sends every event due since the start, so the average rate stays
 * exact whatever the sleep granularity. Pure (the caller passes {@code System.nanoTime()}).
 *
 * <p>A caller that falls behind (the producer blocked) catches up, but by at most one second's
 * worth of events, so a long stall does not end in a flood.
 */
final class Pacer {
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final double eventsPerSecond;
  private final long startNanos;
  private final long maxBacklog;
  private long granted;

  Pacer(double eventsPerSecond, long startNanos) {
    if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
      throw new IllegalArgumentException("rate must be > 0 events/s, not " + eventsPerSecond);
    }
    this.eventsPerSecond = eventsPerSecond;
    this.startNanos = startNanos;
    this.maxBacklog = Math.max(1, (long) Math.ceil(eventsPerSecond));
  }

  /** How many events to send now: those due by {@code nowNanos} (the first one at the start) not yet granted. */
  long permits(long nowNanos) {
    long due = dueBy(nowNanos);
    if (due - granted > maxBacklog) {
      granted = due - maxBacklog;
    }
    long permits = Math.max(0, due - granted);
    granted += permits;
    return permits;
  }

  /** Nanoseconds from {@code nowNanos} to the next tick boundary (never 0, at most one tick). */
  long nanosToNextTick(long nowNanos) {
    long intoTick = Math.floorMod(nowNanos - startNanos, TICK_NANOS);
    return TICK_NANOS - intoTick;
  }

  private long dueBy(long nowNanos) {
    double elapsedSeconds = (nowNanos - startNanos) / 1e9;
    return elapsedSeconds < 0 ? 0 : (long) Math.floor(elapsedSeconds * eventsPerSecond) + 1;
  }
}
