package io.featurestore.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/** Medians over runs, and latency histograms (microseconds, 3 significant digits) read in milliseconds. */
final class Stats {
  private Stats() {}

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static <T> double median(List<T> runs, ToDoubleFunction<? super T> figure) {
    return median(runs.stream().mapToDouble(figure).toArray());
  }

  static double[] medians(List<double[]> rows) {
    double[] medians = new double[rows.get(0).length];
    for (int c = 0; c < medians.length; c++) {
      int column = c;
      medians[c] = median(rows, r -> r[column]);
    }
    return medians;
  }

  static Histogram histogram(long highestSeconds) {
    return new Histogram(TimeUnit.SECONDS.toMicros(highestSeconds), 3);
  }

  /** Records {@code micros}, clamped to what the histogram holds; thread-safe. */
  static void record(Histogram h, long micros) {
    synchronized (h) {
      h.recordValue(Math.min(Math.max(1, micros), h.getHighestTrackableValue()));
    }
  }

  /** A percentile (100 = the maximum) of a histogram of microseconds, in ms; NaN when it recorded nothing. */
  static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static String verdict(boolean pass) {
    return pass ? "PASS" : "MISS";
  }
}
