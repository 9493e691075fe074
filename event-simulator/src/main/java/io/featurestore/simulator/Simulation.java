package io.featurestore.simulator;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code run} loop: takes events from an {@link EventGenerator} at a paced rate and hands
 * them to an {@link EventSink} until the count is reached, the duration has passed, or
 * {@link #stop()} is called (from the shutdown hook on SIGTERM or SIGINT). Logs the achieved rate
 * every {@link #REPORT_EVERY} and, before returning, waits for every event to be acknowledged.
 */
final class Simulation {
  private static final Logger LOG = LoggerFactory.getLogger(Simulation.class);
  static final Duration REPORT_EVERY = Duration.ofSeconds(5);
  /** At high rates a tick hands over thousands of events: look at the clock every 1024 of them too. */
  private static final long DEADLINE_CHECK_MASK = 1023;

  private final EventGenerator generator;
  private final EventSink sink;
  private final double eventsPerSecond;
  private final long maxEvents;
  private final long maxNanos;
  private final LongSupplier nanoTime;

  private volatile boolean stopRequested;
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  private long handedOver;
  private long logins;
  private long failedLogins;
  private long transactions;

  /**
   * @param maxEvents stop after this many events ({@link Long#MAX_VALUE}: no limit)
   * @param duration  stop after this long (null: no limit)
   */
  Simulation(EventGenerator generator, EventSink sink, double eventsPerSecond, long maxEvents, Duration duration,
      LongSupplier nanoTime) {
    this.generator = generator;
    this.sink = sink;
    this.eventsPerSecond = eventsPerSecond;
    this.maxEvents = maxEvents;
    this.maxNanos = duration == null ? Long.MAX_VALUE : duration.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Asks the loop to stop after the event in hand; {@link #run()} then flushes and returns. */
  void stop() {
    stopRequested = true;
  }

  /**
   * Runs until done or stopped and returns what was sent. A send that throws (the broker gone
   * for longer than the producer waits) ends the loop too: the summary then carries the failure.
   */
  Summary run() {
    long start = nanoTime.getAsLong();
    Pacer pacer = new Pacer(eventsPerSecond, start);
    long nextReport = start + REPORT_EVERY.toNanos();
    long reportedEvents = 0;
    long reportedAt = start;
    Exception fatal = null;
    loop:
    while (!stopRequested) {
      long now = nanoTime.getAsLong();
      if (now - start >= maxNanos) {
        break;
      }
      for (long permits = pacer.permits(now); permits > 0; permits--) {
        if (handedOver >= maxEvents || stopRequested
            || (handedOver & DEADLINE_CHECK_MASK) == 0 && nanoTime.getAsLong() - start >= maxNanos) {
          break loop;
        }
        try {
          handOver(generator.next());
        } catch (RuntimeException e) {
          fatal = e;
          break loop;
        }
      }
      if (handedOver >= maxEvents) {
        break;
      }
      if (now >= nextReport) {
        double seconds = (now - reportedAt) / 1e9;
        LOG.info("{} events/s over the last {} s (target {}/s); {} events so far", format((handedOver - reportedEvents) / seconds),
            format(seconds), format(eventsPerSecond), handedOver);
        reportedEvents = handedOver;
        reportedAt = now;
        nextReport = now + REPORT_EVERY.toNanos();
      }
      LockSupport.parkNanos(pacer.nanosToNextTick(nanoTime.getAsLong()));
    }
    long handOverEnd = nanoTime.getAsLong();
    try {
      sink.flush();
    } catch (RuntimeException e) {
      fatal = fatal == null ? e : fatal;
    }
    if (fatal == null && firstFailure.get() != null) {
      fatal = firstFailure.get();
    }
    return new Summary(acknowledged.get(), failed.get(), logins, failedLogins, transactions,
        generator.takeoverBursts(), generator.spreeBursts(), handOverEnd - start, stopRequested, fatal);
  }

  private void handOver(Event event) {
    sink.send(event, this::completed);
    handedOver++;
    if (event instanceof LoginEvent login) {
      logins++;
      if (!login.success()) {
        failedLogins++;
      }
    } else {
      transactions++;
    }
  }

  private void completed(Exception failure) {
    if (failure == null) {
      acknowledged.incrementAndGet();
      return;
    }
    if (failed.getAndIncrement() == 0) {
      firstFailure.set(failure);
      LOG.error("an event was not acknowledged (further failures are only counted): {}", failure.toString());
    }
  }

  static String format(double value) {
    return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.1f", value);
  }

  /**
   * What a run sent. {@code events} counts acknowledged events; the per-type counts are of
   * events handed to the producer (they differ only by {@code failed}).
   */
  record Summary(long events, long failed, long logins, long failedLogins, long transactions, long takeoverBursts,
      long spreeBursts, long elapsedNanos, boolean stoppedEarly, Exception failure) {

    double seconds() {
      return elapsedNanos / 1e9;
    }

    double eventsPerSecond() {
      return seconds() > 0 ? events / seconds() : 0;
    }

    /** One line for people and scripts: {@code sent 500 events in 0.50 s (1000 events/s): ...}. */
    String line() {
      return String.format(Locale.ROOT,
          "sent %d events in %.2f s (%.0f events/s): %d logins (%d failed), %d transactions; "
              + "fraud bursts: %d account takeover, %d spending spree; %d not acknowledged%s",
          events, seconds(), eventsPerSecond(), logins, failedLogins, transactions, takeoverBursts, spreeBursts,
          failed, stoppedEarly ? "; stopped early" : "");
    }
  }
}
