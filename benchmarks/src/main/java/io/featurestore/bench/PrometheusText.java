package io.featurestore.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scrape of Prometheus text format: series ({@code name{labels}}) and their values. */
final class PrometheusText {
  private final Map<String, Double> series;

  private PrometheusText(Map<String, Double> series) {
    this.series = series;
  }

  static PrometheusText parse(String text) {
    Map<String, Double> series = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      line = line.trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space <= 0) {
        continue;
      }
      try {
        series.put(line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1)));
      } catch (NumberFormatException e) {
        // a value we do not need
      }
    }
    return new PrometheusText(series);
  }

  /** Sum of every series of metric {@code name} (any labels). */
  double sum(String name) {
    double total = 0;
    for (Map.Entry<String, Double> e : series.entrySet()) {
      String key = e.getKey();
      if (key.equals(name) || key.startsWith(name + "{")) {
        total += e.getValue();
      }
    }
    return total;
  }

  /** Cumulative bucket counts of histogram {@code name} (without {@code _bucket}), by upper bound; +Inf last. */
  List<double[]> buckets(String name) {
    List<double[]> out = new ArrayList<>();
    String prefix = name + "_bucket{";
    for (Map.Entry<String, Double> e : series.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(prefix)) {
        continue;
      }
      int at = key.indexOf("le=\"");
      String le = key.substring(at + 4, key.indexOf('"', at + 4));
      out.add(new double[] {le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), e.getValue()});
    }
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  /**
   * Quantile {@code q} of what histogram {@code name} recorded between {@code before} and
   * {@code after} (bucket counts subtracted), interpolated linearly inside the bucket, as
   * Prometheus' histogram_quantile does. NaN when nothing was recorded.
   */
  static double quantile(String name, PrometheusText before, PrometheusText after, double q) {
    List<double[]> b = before.buckets(name);
    List<double[]> a = after.buckets(name);
    Map<Double, Double> start = new LinkedHashMap<>();
    for (double[] bucket : b) {
      start.put(bucket[0], bucket[1]);
    }
    double total = a.isEmpty() ? 0 : a.get(a.size() - 1)[1] - start.getOrDefault(a.get(a.size() - 1)[0], 0.0);
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (double[] bucket : a) {
      double count = bucket[1] - start.getOrDefault(bucket[0], 0.0);
      if (count >= rank) {
        if (Double.isInfinite(bucket[0])) {
          return lowerBound;
        }
        double inBucket = count - lowerCount;
        return inBucket <= 0 ? bucket[0] : lowerBound + (bucket[0] - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = bucket[0];
      lowerCount = count;
    }
    return lowerBound;
  }
}
