package io.featurestore.core;

import java.time.Duration;

/** Outcome of a bulk load: how many entities were written and how long it took. */
public record BulkLoadResult(long rows, Duration elapsed) {
  public double rowsPerSecond() {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds == 0 ? rows : rows / seconds;
  }
}
