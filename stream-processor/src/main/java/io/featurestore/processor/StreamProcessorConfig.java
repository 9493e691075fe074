package io.featurestore.processor;

import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The stream processor's settings, from the environment (the names docker-compose and the
 * local stack use). Kafka keys are set only through the clients' {@code *_CONFIG} constants.
 *
 * @param bootstrapServers   {@code KAFKA_BOOTSTRAP_SERVERS} (localhost:9092)
 * @param applicationId      {@code FS_PROCESSOR_APPLICATION_ID} (feature-store-stream-processor): consumer group and state prefix
 * @param stateDir           {@code FS_PROCESSOR_STATE_DIR} (state/stream-processor, relative to the working directory)
 * @param exactlyOnce        {@code FS_PROCESSING_GUARANTEE} = exactly_once_v2 (default at_least_once)
 * @param threads            {@code FS_PROCESSOR_THREADS} (1)
 * @param flushInterval      {@code FS_SINK_FLUSH_MS} (100): how often writes go to Redis and windows are re-evaluated
 * @param commitInterval     {@code FS_COMMIT_INTERVAL_MS} (1000): longest time between commits when idle
 * @param sinkRetryBudget    {@code FS_SINK_RETRY_SECONDS} (30): how long a failing Redis write is retried
 * @param metricsPort        {@code FS_PROCESSOR_METRICS_PORT} (9464; 0 = off): /metrics and /health
 * @param heartbeatTtl       {@code FS_HEARTBEAT_TTL_SECONDS} (5): a stopped processor disappears from the heartbeat after this
 * @param maxFutureSkew      {@code FS_MAX_FUTURE_SKEW_SECONDS} (300): events stamped further ahead of the clock go to the DLQ
 * @param stallAfter         {@code FS_PROCESSOR_STALL_SECONDS} (30): no progress for this long while records wait = stalled
 * @param store              REDIS_URL, FS_KEY_PREFIX, FS_STREAM_TTL_SECONDS, FS_REGISTRY_FILE
 */
public record StreamProcessorConfig(String bootstrapServers, String applicationId, Path stateDir, boolean exactlyOnce,
    int threads, Duration flushInterval, Duration commitInterval, Duration sinkRetryBudget, int metricsPort,
    Duration heartbeatTtl, Duration maxFutureSkew, Duration stallAfter, StoreSettings store) {

  static final Duration EOS_COMMIT_INTERVAL = Duration.ofSeconds(60);
  /** Every environment variable the stream processor reads. */
  public static final java.util.Set<String> ENVIRONMENT = union(StoreSettings.ENVIRONMENT, java.util.Set.of(
      "KAFKA_BOOTSTRAP_SERVERS", "FS_PROCESSOR_APPLICATION_ID", "FS_PROCESSOR_STATE_DIR", "FS_PROCESSING_GUARANTEE",
      "FS_PROCESSOR_THREADS", "FS_SINK_FLUSH_MS", "FS_COMMIT_INTERVAL_MS", "FS_SINK_RETRY_SECONDS",
      "FS_PROCESSOR_METRICS_PORT", "FS_HEARTBEAT_TTL_SECONDS", "FS_MAX_FUTURE_SKEW_SECONDS",
      "FS_PROCESSOR_STALL_SECONDS"));

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return java.util.Set.copyOf(all);
  }

  public static StreamProcessorConfig fromEnv(Map<String, String> env) {
    String guarantee = env.getOrDefault("FS_PROCESSING_GUARANTEE", "at_least_once").trim().toLowerCase(Locale.ROOT);
    if (!guarantee.equals("at_least_once") && !guarantee.equals("exactly_once_v2")) {
      throw new InvalidInputException("FS_PROCESSING_GUARANTEE must be at_least_once or exactly_once_v2, not '" + guarantee + "'");
    }
    return new StreamProcessorConfig(
        env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
        env.getOrDefault("FS_PROCESSOR_APPLICATION_ID", "feature-store-stream-processor"),
        Path.of(env.getOrDefault("FS_PROCESSOR_STATE_DIR", "state/stream-processor")),
        guarantee.equals("exactly_once_v2"),
        (int) positive(env, "FS_PROCESSOR_THREADS", 1),
        Duration.ofMillis(positive(env, "FS_SINK_FLUSH_MS", 100)),
        Duration.ofMillis(positive(env, "FS_COMMIT_INTERVAL_MS", 1000)),
        Duration.ofSeconds(positive(env, "FS_SINK_RETRY_SECONDS", 30)),
        (int) number(env, "FS_PROCESSOR_METRICS_PORT", 9464),
        Duration.ofSeconds(positive(env, "FS_HEARTBEAT_TTL_SECONDS", 5)),
        Duration.ofSeconds(positive(env, "FS_MAX_FUTURE_SKEW_SECONDS", 300)),
        Duration.ofSeconds(positive(env, "FS_PROCESSOR_STALL_SECONDS", 30)),
        StoreSettings.fromEnv(env));
  }

  public TopologySettings topologySettings() {
    return new TopologySettings(store.loadRegistry(), flushInterval, commitInterval, sinkRetryBudget, maxFutureSkew);
  }

  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, exactlyOnce ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    // Commits are requested by the processor right after each flush to Redis (see
    // UserFeaturesProcessor); the automatic commit timer is pushed far out so that it almost
    // never commits records whose effects are still in the write buffer. Under exactly-once
    // the transaction timeout bounds it; see docs/DESIGN-NOTES.md for why the rare timed
    // commit cannot lose a feature.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, exactlyOnce ? EOS_COMMIT_INTERVAL.toMillis() : Duration.ofDays(1).toMillis());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) EOS_COMMIT_INTERVAL.multipliedBy(2).toMillis());
    // A failed stream thread is replaced; a short session lets its partitions move on quickly.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 3_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // The Kafka 5.0 default, set now: no global state here, and it silences a start-up warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    return p;
  }

  private static long positive(Map<String, String> env, String name, long defaultValue) {
    long value = number(env, name, defaultValue);
    if (value <= 0) {
      throw new InvalidInputException(name + " must be > 0, not " + value);
    }
    return value;
  }

  private static long number(Map<String, String> env, String name, long defaultValue) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return defaultValue;
    }
    try {
      return Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(name + " must be a whole number, not '" + raw + "'");
    }
  }
}
