package io.featurestore.processor;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.EventJson;
import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** Drives the real topology with TopologyTestDriver and a wall clock the test moves. */
final class TopologyHarness implements AutoCloseable {
  static final long T0 = Instant.parse("2026-11-27T10:00:00Z").toEpochMilli();

  final FeatureRegistry registry;
  final InMemoryFeatureWriter redis;
  final CountingMetrics metrics = new CountingMetrics();
  final SinkBuffers sinks;
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> logins;
  final TestInputTopic<byte[], byte[]> transactions;
  final TestOutputTopic<byte[], byte[]> dlq;
  private final EventJson json;
  private final Path stateDir;
  private long now;

  TopologyHarness(long streamTtlSeconds) {
    this(FeatureRegistry.bundled().withOverrides("fs:user:", 86400, streamTtlSeconds));
  }

  /** The topology of another registry's declarations. */
  TopologyHarness(FeatureRegistry registry) {
    this(registry, null);
  }

  /**
   * The topology of a registry's declarations that, when {@code retained} says the application
   * has committed input, rebuilds its state from those events on start.
   */
  TopologyHarness(FeatureRegistry registry, RecordedEvents retained) {
    this.registry = registry;
    this.sent = retained != null ? retained : new RecordedEvents();
    long streamTtlSeconds = registry.streamTtlSeconds();
    json = new EventJson(registry);
    now = T0;
    redis = new InMemoryFeatureWriter(() -> now, streamTtlSeconds * 1000);
    TopologySettings settings = new TopologySettings(registry, Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofMillis(300), Duration.ofMinutes(5));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    try {
      stateDir = Files.createTempDirectory("topology-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    sinks = new SinkBuffers(redis, metrics, settings.sinkRetryBudget());
    driver = new TopologyTestDriver(FeatureTopology.buildTopology(settings, sinks, metrics, retained), props,
        Instant.ofEpochMilli(T0));
    logins = driver.createInputTopic(Topics.LOGIN, new ByteArraySerializer(), new ByteArraySerializer());
    transactions = driver.createInputTopic(Topics.TRANSACTION, new ByteArraySerializer(), new ByteArraySerializer());
    dlq = driver.createOutputTopic(Topics.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  long now() {
    return now;
  }

  /** Moves the wall clock forward in flush-interval steps, so every punctuation runs as it would. */
  void advance(Duration d) {
    long target = now + d.toMillis();
    while (now < target) {
      long step = Math.min(100, target - now);
      now += step;
      driver.advanceWallClockTime(Duration.ofMillis(step));
    }
  }

  void transaction(String user, long ts) {
    send(transactions, user, new TransactionEvent(user, ts, new BigDecimal("10.00"), "USD", "US", "m001"));
  }

  void transaction(String user, long ts, String amount, String merchant) {
    send(transactions, user, new TransactionEvent(user, ts, new BigDecimal(amount), "USD", "US", merchant));
  }

  void login(String user, long ts, boolean success, String device) {
    send(logins, user, new LoginEvent(user, ts, device, "US", success));
  }

  /**
   * Every record sent, as the input topics retain them (one partition each): those of an earlier
   * harness too when this one was given them to rebuild from.
   */
  final RecordedEvents sent;
  /** The offset the test driver gives the next record of each input topic (it counts from 0). */
  private final Map<String, Long> offsets = new HashMap<>();

  void send(TestInputTopic<byte[], byte[]> topic, String user, Event event) {
    String name = event instanceof io.featurestore.events.LoginEvent ? Topics.LOGIN : Topics.TRANSACTION;
    topic.pipeInput(bytes(user), json.write(event), event.ts());
    sent.add(name, offsets.merge(name, 1L, Long::sum) - 1, bytes(user), json.write(event), event.ts());
  }

  byte[] json(Event event) {
    return json.write(event);
  }

  static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    driver.close();
    try {
      Utils.delete(stateDir.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + stateDir, e);
    }
  }
}
