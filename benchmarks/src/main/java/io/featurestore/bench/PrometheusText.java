package io.featurestore.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** A scrape of Prometheus text format: series ({@code name{labels}}) and their values. */
final class PrometheusText {
  private final Map<String, Double> series = new LinkedHashMap<>();

  static PrometheusText parse(String text) {
    PrometheusText scrape = new PrometheusText();
    for (String line : text.split("\n")) {
      int space = line.trim().lastIndexOf(' ');
      if (!line.isBlank() && !line.startsWith("#") && space > 0) {
        try {
          scrape.series.put(line.trim().substring(0, space).trim(), Double.parseDouble(line.trim().substring(space + 1)));
        } catch (NumberFormatException e) {
          // a value we do not need
        }
      }
    }
    return scrape;
  }

  /** Sum of every series of metric {@code name} (any labels). */
  double sum(String name) {
    return series.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  /** Sum of the series of metric {@code name} whose label {@code label} is {@code value} (e.g. entity="user"). */
  double sum(String name, String label, String value) {
    String wanted = label + "=\"" + value + "\"";
    return series.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{")
            && (e.getKey().contains("{" + wanted) || e.getKey().contains("," + wanted)))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  /** Cumulative bucket counts of histogram {@code name} (without {@code _bucket}) by upper bound, +Inf last. */
  private Map<Double, Double> buckets(String name) {
    Map<Double, Double> buckets = new TreeMap<>();
    series.forEach((key, count) -> {
      if (key.startsWith(name + "_bucket{")) {
        String le = key.substring(key.indexOf("le=\"") + 4, key.indexOf('"', key.indexOf("le=\"") + 4));
        buckets.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), count);
      }
    });
    return buckets;
  }

  /**
   * Quantile {@code q} of what histogram {@code name} recorded between {@code before} and
   * {@code after} (bucket counts subtracted), interpolated linearly inside the bucket, as
   * Prometheus' histogram_quantile does. NaN when nothing was recorded.
   */
  static double quantile(String name, PrometheusText before, PrometheusText after, double q) {
    Map<Double, Double> start = before.buckets(name);
    Map<Double, Double> end = after.buckets(name);
    double total = end.getOrDefault(Double.POSITIVE_INFINITY, 0.0) - start.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> bucket : end.entrySet()) {
      double count = bucket.getValue() - start.getOrDefault(bucket.getKey(), 0.0);
      if (count >= rank) {
        double inBucket = count - lowerCount;
        return Double.isInfinite(bucket.getKey()) ? lowerBound
            : inBucket <= 0 ? bucket.getKey() : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = bucket.getKey();
      lowerCount = count;
    }
    return lowerBound;
  }
}
