package io.featurestore.serving;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A failure that every request meets while it lasts (Redis down, a key of another type asked for
 * again and again): logged once, then at most once every 10 s with the count of those not logged,
 * so that it cannot flood the log. A rejected command is logged at ERROR with its stack trace; an
 * outage at WARN without.
 */
final class FailureLog {
  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Logger log;
  private final boolean error;
  private final LongSupplier nanoTime;
  private final AtomicLong lastLogged;
  private final AtomicLong suppressed = new AtomicLong();

  FailureLog(Logger log, boolean error, LongSupplier nanoTime) {
    this.log = log;
    this.error = error;
    this.nanoTime = nanoTime;
    this.lastLogged = new AtomicLong(nanoTime.getAsLong() - INTERVAL_NANOS);
  }

  void log(Exception e, String message) {
    String line = line(message);
    if (line != null && error) {
      log.error(line, e);
    } else if (line != null) {
      log.warn(line);
    }
  }

  /** The line to log for this failure now, or null when it is only counted. */
  String line(String message) {
    long now = nanoTime.getAsLong();
    long last = lastLogged.get();
    if (now - last < INTERVAL_NANOS || !lastLogged.compareAndSet(last, now)) {
      suppressed.incrementAndGet();
      return null;
    }
    long more = suppressed.getAndSet(0);
    return message + (more > 0 ? " (" + more + " more failures in the last 10 s)" : "");
  }
}
