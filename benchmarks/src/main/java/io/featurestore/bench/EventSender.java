package io.featurestore.bench;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.simulator.EventPublisher;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer with the event simulator's own settings ({@link EventPublisher#producerConfig}:
 * acks=all with idempotence, linger 5 ms, 64 KiB lz4 batches), so that the processor reads what
 * production producers write: each event as its JSON, keyed by user id, to its topic. Keeps the
 * first failed send and counts the acknowledged ones.
 */
final class EventSender implements AutoCloseable {
  final AtomicLong acked = new AtomicLong();
  private final AtomicReference<Exception> error = new AtomicReference<>();
  private final EventJson json = new EventJson(FeatureRegistry.bundled());
  private final KafkaProducer<String, byte[]> producer;

  EventSender(String bootstrapServers, String clientId) {
    Map<String, Object> config = EventPublisher.producerConfig(bootstrapServers, EventPublisher.Patience.STREAM);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    Topics.ALL.forEach(producer::partitionsFor); // metadata fetched now, before any clock starts
  }

  void send(Event event) {
    producer.send(new ProducerRecord<>(EventPublisher.topicOf(event), event.userId(), json.write(event)), (m, e) -> {
      if (e == null) {
        acked.incrementAndGet();
      } else {
        error.compareAndSet(null, e);
      }
    });
  }

  /** The first failed send, or null. */
  Exception error() {
    return error.get();
  }

  void requireNoError(String what) {
    if (error.get() != null) {
      throw new IllegalStateException(what + " failed: " + error.get(), error.get());
    }
  }

  void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
