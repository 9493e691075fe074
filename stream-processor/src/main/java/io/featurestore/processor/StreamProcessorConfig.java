package io.featurestore.processor;

import io.featurestore.cli.Cli;
import io.featurestore.cli.KafkaOptions;
import io.featurestore.cli.KafkaSecurity;
import io.featurestore.cli.Numbers;
import io.featurestore.cli.StoreOptions;
import io.featurestore.core.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The stream processor's settings. Each is declared once, in {@link Flags}: its flag, its
 * environment variable (the name docker-compose and the local stack set), default and meaning.
 * Kafka keys are set only through the clients' {@code *_CONFIG} constants. {@code kafkaSecurity}
 * (protocol, SASL, truststore) goes to every Kafka client the processor makes: Kafka Streams'
 * own (main and restore consumers, producer, admin) through {@link #streamsProperties()}, and
 * the start-up checks' admin client.
 */
public record StreamProcessorConfig(String bootstrapServers, KafkaSecurity kafkaSecurity, String applicationId, Path stateDir, boolean exactlyOnce,
    int threads, Duration flushInterval, Duration commitInterval, Duration sinkRetryBudget, int metricsPort,
    Duration heartbeatTtl, Duration maxFutureSkew, Duration stallAfter, int repartitionPartitions, Duration maxPollInterval,
    StoreSettings store) {

  static final Duration EOS_COMMIT_INTERVAL = Duration.ofSeconds(60);
  /** Every environment variable the stream processor reads. */
  public static final java.util.Set<String> ENVIRONMENT = Cli.environment(new Flags());

  /** The settings {@code env} gives; a bad value is an {@code InvalidInputException} naming its flag and variable. */
  public static StreamProcessorConfig fromEnv(Map<String, String> env) {
    return Cli.parse(new Flags(), env).config();
  }

  public TopologySettings topologySettings() {
    return new TopologySettings(store.loadRegistry(), flushInterval, commitInterval, sinkRetryBudget, maxFutureSkew,
        repartitionPartitions);
  }

  public Properties streamsProperties() {
    Properties p = new Properties();
    // Unprefixed, so Kafka Streams hands them to each of its clients; the secrets stay Passwords.
    p.putAll(kafkaSecurity.clientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, exactlyOnce ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    // Commits are requested by the processor right after each flush to Redis (see
    // EntityFeaturesProcessor); the automatic commit timer is pushed far out so that it almost
    // never commits records whose effects are still in the write buffer. Under exactly-once
    // the transaction timeout bounds it; see docs/DESIGN-NOTES.md for why the rare timed
    // commit cannot lose a feature.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, exactlyOnce ? EOS_COMMIT_INTERVAL.toMillis() : Duration.ofDays(1).toMillis());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) EOS_COMMIT_INTERVAL.multipliedBy(2).toMillis());
    // A failed stream thread is replaced; a short session lets its partitions move on quickly.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 3_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // A task's start includes its rebuild (declarations changed), which reads the retained events in this thread.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), Math.toIntExact(maxPollInterval.toMillis()));
    // The Kafka 5.0 default, set now: no global state here, and it silences a start-up warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    return p;
  }

  /** The command line: every setting a flag whose default is its environment variable. */
  @Command(name = "stream-processor", mixinStandardHelpOptions = true, version = "stream-processor 0.1.0",
      description = {"Reads events.login and events.transaction, writes real-time features to Redis (HSET + HEXPIRE "
          + "per field), sends unusable records to events.dlq. Runs until SIGTERM."})
  static final class Flags {
    @Mixin
    KafkaOptions kafka = new KafkaOptions();
    @Mixin
    StoreOptions store = new StoreOptions();
    @Option(names = "--application-id", paramLabel = "ID",
        defaultValue = "${env:FS_PROCESSOR_APPLICATION_ID:-feature-store-stream-processor}",
        description = "Consumer group and state prefix; instances with the same id share the partitions.")
    String applicationId;
    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:FS_PROCESSOR_STATE_DIR:-state/stream-processor}",
        description = "Local state directory (relative to the working directory).")
    Path stateDir;
    @Option(names = "--processing-guarantee", paramLabel = "G", converter = Guarantee.class,
        defaultValue = "${env:FS_PROCESSING_GUARANTEE:-at_least_once}", description = "at_least_once or exactly_once_v2.")
    String guarantee;
    @Option(names = "--threads", paramLabel = "N", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_PROCESSOR_THREADS:-1}", description = "Stream threads.")
    long threads;
    @Option(names = "--sink-flush-ms", paramLabel = "MS", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_SINK_FLUSH_MS:-100}", description = "How often writes go to Redis and windows are re-evaluated.")
    long flushMs;
    @Option(names = "--commit-interval-ms", paramLabel = "MS", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_COMMIT_INTERVAL_MS:-1000}", description = "Longest time between offset commits while idle.")
    long commitMs;
    @Option(names = "--sink-retry-seconds", paramLabel = "S", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_SINK_RETRY_SECONDS:-30}", description = "How long a failing Redis write is retried before the task fails.")
    long sinkRetrySeconds;
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:FS_PROCESSOR_METRICS_PORT:-9464}",
        description = "Port of /metrics and /health; 0 turns them off.")
    int metricsPort;
    @Option(names = "--heartbeat-ttl-seconds", paramLabel = "S", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_HEARTBEAT_TTL_SECONDS:-5}", description = "TTL of the liveness heartbeat in Redis.")
    long heartbeatTtlSeconds;
    @Option(names = "--max-future-skew-seconds", paramLabel = "S", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_MAX_FUTURE_SKEW_SECONDS:-300}",
        description = "Events stamped further ahead of the clock go to the DLQ as ts_in_future.")
    long maxFutureSkewSeconds;
    @Option(names = "--stall-seconds", paramLabel = "S", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_PROCESSOR_STALL_SECONDS:-30}",
        description = "No record consumed for this long while records wait: STALLED on /health.")
    long stallSeconds;
    @Option(names = "--repartition-partitions", paramLabel = "N", converter = Numbers.NonNegative.class,
        defaultValue = "${env:FS_REPARTITION_PARTITIONS:-0}",
        description = "Partitions of each repartition topic (features of an entity other than the user, e.g. the "
            + "merchant); 0: as many as the input topics. Fixed once the topic exists.")
    long repartitionPartitions;
    @Option(names = "--max-poll-interval-seconds", paramLabel = "S", converter = Numbers.Positive.class,
        defaultValue = "${env:FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS:-300}",
        description = "A stream thread silent for this long leaves its group (Kafka's max.poll.interval.ms). A"
            + " rebuild from the retained events reads in slices of a quarter of a second with polls in between, however"
            + " long it takes.")
    long maxPollIntervalSeconds;

    StreamProcessorConfig config() {
      if (maxPollIntervalSeconds < 30) {
        // The consumer's session timeout is 10 s; a thread must be allowed far longer between polls.
        throw Cli.invalidValue("--max-poll-interval-seconds", "FS_PROCESSOR_MAX_POLL_INTERVAL_SECONDS",
            "must be >= 30, not " + maxPollIntervalSeconds);
      }
      return new StreamProcessorConfig(kafka.bootstrapServers(), kafka.security(), applicationId, stateDir,
          guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2), Math.toIntExact(threads), Duration.ofMillis(flushMs),
          Duration.ofMillis(commitMs), Duration.ofSeconds(sinkRetrySeconds), metricsPort, Duration.ofSeconds(heartbeatTtlSeconds),
          Duration.ofSeconds(maxFutureSkewSeconds), Duration.ofSeconds(stallSeconds), Math.toIntExact(repartitionPartitions),
          Duration.ofSeconds(Math.min(maxPollIntervalSeconds, Integer.MAX_VALUE / 1000)), store.settings());
    }
  }

  /** The two guarantees Kafka Streams offers, in any case. */
  static final class Guarantee implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String guarantee = value.trim().toLowerCase(java.util.Locale.ROOT);
      if (guarantee.equals(StreamsConfig.AT_LEAST_ONCE) || guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
        return guarantee;
      }
      throw new CommandLine.TypeConversionException("must be at_least_once or exactly_once_v2, not '" + value + "'");
    }
  }
}
