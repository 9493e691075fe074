package io.featurestore.infra.junit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait: poll a condition until it holds or a deadline passes, then fail
 * with what was awaited and the last value seen. No bare sleeps, no assertions on elapsed time.
 * A condition that throws counts as not (yet) true; the last exception is attached on timeout.
 * A condition that fails an assertion (an {@link Error}) ends the wait at once with that failure.
 */
public final class Await {
  public static final Duration POLL = Duration.ofMillis(50);

  private Await() {}

  /** Waits until {@code condition} is true. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, POLL, condition);
  }

  /** Waits until {@code condition} is true, polling it every {@code poll}. */
  public static void until(String what, Duration timeout, Duration poll, BooleanSupplier condition) {
    value(what, timeout, poll, () -> condition.getAsBoolean(), ok -> ok);
  }

  /** Waits until {@code probe} returns a value that {@code accept}s, and returns that value. */
  public static <T> T value(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> accept) {
    return value(what, timeout, POLL, probe, accept);
  }

  private static <T> T value(String what, Duration timeout, Duration poll, Supplier<T> probe, Predicate<? super T> accept) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    RuntimeException lastError = null;
    while (true) {
      try {
        last = probe.get();
        lastError = null;
        if (last != null && accept.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError timedOut = new AssertionError("timed out after " + timeout + " waiting for: " + what
            + "; last seen: " + Optional.ofNullable(lastError).map(Object::toString).orElse(String.valueOf(last)));
        if (lastError != null) {
          timedOut.initCause(lastError);
        }
        throw timedOut;
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }
}
