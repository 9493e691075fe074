package io.featurestore.simulator;

import io.featurestore.cli.KafkaSecurity;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces events to {@link Topics#LOGIN} and {@link Topics#TRANSACTION}, keyed by
 * {@code user_id}, as {@link EventJson} bytes. One producer for the whole run, tuned for
 * throughput without giving up durability: {@code acks=all} with idempotence, a short linger
 * and lz4 batches. How long a send waits for an absent broker is its {@link Patience}; how it
 * authenticates and encrypts, its {@link KafkaSecurity}. A broker that refuses the credentials is
 * told apart from one that does not answer: the first is a bad setting, and is not retried.
 */
public final class EventPublisher implements AutoCloseable {
  static final String CLIENT_ID = "event-simulator";
  /** How long {@link #checkTopics} waits for an answer before it says the broker cannot be reached. */
  static final Duration MAX_BLOCK = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long a send waits for a broker that does not answer.
   *
   * @param maxBlock how long {@code send} may block for metadata or buffer space
   * @param delivery upper bound from send to acknowledgement, retries included
   */
  public record Patience(Duration maxBlock, Duration delivery) {
    /** {@code send}: someone at a terminal waits for the answer, so an absent broker fails it soon. */
    static final Patience ONE_SHOT = new Patience(MAX_BLOCK, Duration.ofSeconds(30));
    /**
     * {@code run}: a stream rides out a broker restart of up to a minute without dropping an
     * event (Kafka's own defaults); its sends wait meanwhile, then it resumes at its rate.
     */
    public static final Patience STREAM = new Patience(Duration.ofSeconds(60), Duration.ofSeconds(120));
  }

  private final EventJson json;
  private final KafkaProducer<String, byte[]> producer;

  EventPublisher(String bootstrapServers, KafkaSecurity security, EventJson json, Patience patience) {
    this.json = json;
    try {
      this.producer = new KafkaProducer<>(producerConfig(bootstrapServers, security, patience), new StringSerializer(),
          new ByteArraySerializer());
    } catch (KafkaException e) {
      throw new FeatureStoreException("cannot create a Kafka producer for " + bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  /** The producer's settings for a broker that takes plain connections (a local one). */
  public static Map<String, Object> producerConfig(String bootstrapServers, Patience patience) {
    return producerConfig(bootstrapServers, KafkaSecurity.NONE, patience);
  }

  public static Map<String, Object> producerConfig(String bootstrapServers, KafkaSecurity security, Patience patience) {
    Map<String, Object> config = new HashMap<>(security.clientProperties());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, CLIENT_ID);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) patience.maxBlock().toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis());
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) patience.delivery().toMillis());
    return config;
  }

  public static String topicOf(Event event) {
    return event instanceof LoginEvent ? Topics.LOGIN : Topics.TRANSACTION;
  }

  /**
   * Fails fast, with a message that says what to do, when the broker cannot be reached or the
   * topics do not exist (brokers here do not create topics on first use), instead of letting
   * the first send block and time out. A broker that refuses the credentials or the TLS
   * handshake is an {@link InvalidInputException} (exit code 2) naming the settings to check.
   */
  static void checkTopics(String bootstrapServers, KafkaSecurity security) {
    Map<String, Object> config = new HashMap<>(security.clientProperties());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, CLIENT_ID + "-check");
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) MAX_BLOCK.toMillis());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) MAX_BLOCK.toMillis());
    config.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    List<String> missing = new ArrayList<>();
    try (Admin admin = Admin.create(config)) {
      Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(List.of(Topics.LOGIN,
          Topics.TRANSACTION), new DescribeTopicsOptions().timeoutMs((int) MAX_BLOCK.toMillis())).topicNameValues();
      for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
        try {
          topic.getValue().get(MAX_BLOCK.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw unreachable(bootstrapServers, security, e.getCause());
          }
          missing.add(topic.getKey());
        }
      }
    } catch (TimeoutException | KafkaException e) {
      throw unreachable(bootstrapServers, security, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FeatureStoreException("interrupted while checking the topics on " + bootstrapServers, e);
    }
    if (!missing.isEmpty()) {
      missing.sort(null);
      throw new FeatureStoreException("topic" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
          + " missing on " + bootstrapServers + " (brokers here do not create topics on first use): create "
          + (missing.size() > 1 ? "them" : "it") + ", e.g. kafka-topics.sh --bootstrap-server " + bootstrapServers
          + " --create --partitions 3 --topic " + missing.get(0));
    }
  }

  /** Hands the event to the producer; blocks only when the producer's buffer is full (back-pressure). */
  Future<RecordMetadata> send(Event event, Callback callback) {
    return producer.send(new ProducerRecord<>(topicOf(event), event.userId(), json.write(event)), callback);
  }

  /** Waits until every event handed over so far is acknowledged or has failed. */
  void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(CLOSE_TIMEOUT);
  }

  /** Kafka not answering, or refusing this client ({@link KafkaSecurity#refusal}): a bad setting, exit code 2. */
  static FeatureStoreException unreachable(String bootstrapServers, KafkaSecurity security, Throwable cause) {
    java.util.Optional<RuntimeException> refusal = KafkaSecurity.refusal(cause);
    if (refusal.isPresent()) {
      return new InvalidInputException(security.refusedBy(bootstrapServers, refusal.get()));
    }
    String reason = cause == null ? "no answer" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    String protocol = security.protocol().equals(KafkaSecurity.PLAINTEXT) ? ""
        : " (and does it take " + security.protocol() + " there? KAFKA_SECURITY_PROTOCOL)";
    return new FeatureStoreException("cannot reach Kafka at " + bootstrapServers + " within " + MAX_BLOCK.toSeconds()
        + " s (" + reason + "); is the broker running" + protocol + "? set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers",
        cause);
  }
}
