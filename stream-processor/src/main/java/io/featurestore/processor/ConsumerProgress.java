package io.featurestore.processor;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What Kafka Streams' own client metrics ({@code KafkaStreams#metrics()}) say about progress:
 * the records waiting in the input partitions (sum of the main consumers' per-partition
 * {@code records-lag}) and how many records each consumer has consumed
 * ({@code records-consumed-total}, main and restore consumers: restoring a store is progress
 * too).
 *
 * @param lag              records waiting, or -1 while no partition reports a lag
 * @param consumedByClient {@code records-consumed-total} by consumer client id
 */
record ConsumerProgress(long lag, Map<String, Double> consumedByClient) {
  static final String FETCH_GROUP = "consumer-fetch-manager-metrics";

  ConsumerProgress {
    consumedByClient = Map.copyOf(consumedByClient);
  }

  static ConsumerProgress from(Map<MetricName, ? extends Metric> metrics) {
    long lag = -1;
    Map<String, Double> consumed = new HashMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName name = e.getKey();
      if (!FETCH_GROUP.equals(name.group())) {
        continue;
      }
      String client = name.tags().get("client-id");
      if (client == null || !client.endsWith("consumer")) {
        continue;
      }
      double value = number(e.getValue());
      if (Double.isNaN(value)) {
        continue;
      }
      boolean clientLevel = !name.tags().containsKey("topic");
      if (name.name().equals("records-consumed-total") && clientLevel) {
        consumed.put(client, value);
      } else if (name.name().equals("records-lag") && name.tags().containsKey("partition") && isMainConsumer(client)) {
        lag = Math.max(lag, 0) + Math.max(0, (long) value);
      }
    }
    return new ConsumerProgress(lag, consumed);
  }

  /** A stream thread's main consumer ({@code …-StreamThread-1-consumer}), not its restore or the global consumer. */
  static boolean isMainConsumer(String clientId) {
    return clientId.endsWith("-consumer") && !clientId.endsWith("-restore-consumer")
        && !clientId.endsWith("-global-consumer");
  }

  private static double number(Metric metric) {
    Object value = metric.metricValue();
    return value instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
