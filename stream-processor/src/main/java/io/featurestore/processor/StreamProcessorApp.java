package io.featurestore.processor;

import com.sun.net.httpserver.HttpServer;
import io.featurestore.cli.Cli;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.Heartbeat;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.core.WriteRejection;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream processor service: wires the topology to Kafka and Redis, publishes a
 * heartbeat and metrics, and runs until SIGTERM. The only composition root.
 */
public final class StreamProcessorApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamProcessorApp.class);

  private final StreamProcessorConfig config;
  private final FeatureStore store;
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MicrometerProcessorMetrics metrics = new MicrometerProcessorMetrics(meters);
  private final HealthMeters healthMeters = new HealthMeters(meters);
  private final ProcessorHealth health;
  private final KafkaStreams streams;
  private final SinkBuffers sinks;
  private final KafkaRetainedEvents retained;
  private final ScheduledExecutorService heartbeatTimer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final String instanceId = ManagementFactory.getRuntimeMXBean().getName();
  private final CountDownLatch running = new CountDownLatch(1);
  private HttpServer http;

  public StreamProcessorApp(StreamProcessorConfig config) {
    this.config = config;
    this.health = ProcessorHealth.forConfig(config);
    TopologySettings settings = config.topologySettings();
    FeatureRegistry registry = settings.registry();
    this.store = FeatureStore.connect(config.store().redis(), registry);
    new JvmMemoryMetrics().bindTo(meters);
    FeatureWriter writer = new FeatureWriter() {
      @Override
      public List<WriteRejection> write(List<StreamingUpdate> updates) {
        return store.streamingWriter().writeStreaming(updates);
      }

      @Override
      public long serverResets() {
        return store.streamingWriter().streamingServerResets();
      }
    };
    this.sinks = new SinkBuffers(writer, metrics, settings.sinkRetryBudget());
    Properties clients = new Properties();
    clients.putAll(config.kafkaSecurity().clientProperties());
    clients.put(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    this.retained = new KafkaRetainedEvents(clients, config.applicationId());
    this.streams = new KafkaStreams(FeatureTopology.buildTopology(settings, sinks, metrics, retained),
        config.streamsProperties());
    // A failed task (Redis down past the retry budget) is retried on a fresh thread from its
    // last committed offsets and restored state: nothing is skipped.
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("Stream thread failed; replacing it and resuming from the last committed offsets", e);
      health.threadFailed(System.currentTimeMillis(), e);
      healthMeters.failed(e);
      healthMeters.replaced();
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) {
        running.countDown();
      }
      LOG.debug("Kafka Streams {} -> {}", before, now);
    });
  }

  public void start() throws IOException {
    // Refuses input topics that are not co-partitioned (or missing) and wipes local state that
    // belongs to another Kafka cluster: Kafka Streams' cleanUp() is only allowed before start.
    StartupChecks.run(config, streams::cleanUp);
    retained.readCommittedInput();
    if (config.metricsPort() > 0) {
      http = HttpServer.create(new InetSocketAddress(config.metricsPort()), 0);
      http.createContext("/metrics", exchange -> respond(exchange, 200, meters.scrape(), "text/plain; version=0.0.4"));
      http.createContext("/health", exchange -> {
        ProcessorHealth.Report report = health();
        respond(exchange, report.ok() ? 200 : 503, healthJson(streams.state(), report, ownedPartitions()), "application/json");
      });
      http.start();
    }
    streams.start();
    heartbeatTimer.scheduleAtFixedRate(this::beat, 0, Math.max(1, config.heartbeatTtl().toSeconds() / 5), TimeUnit.SECONDS);
  }

  public boolean awaitRunning(long timeout, TimeUnit unit) throws InterruptedException {
    return running.await(timeout, unit);
  }

  public boolean isHealthy() {
    return health().ok();
  }

  /** The processor's health now: Kafka Streams' state, thread failures, and progress from its client metrics. */
  ProcessorHealth.Report health() {
    ProcessorHealth.Report report = health.evaluate(System.currentTimeMillis(), streams.state(),
        ConsumerProgress.from(streams.metrics()));
    healthMeters.report(report);
    return report;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * The input partitions this instance's stream tasks own now ({@code events.login-0}, …): Kafka
   * Streams' consumer group splits the partitions among the instances with the same application
   * id, and moves them when one joins or leaves. Empty while it owns none.
   */
  List<String> ownedPartitions() {
    try {
      return ownedPartitions(streams.metadataForLocalThreads());
    } catch (RuntimeException e) {
      // Asked while Kafka Streams is closing: it owns nothing then.
      LOG.debug("No thread metadata: {}", e.getMessage());
      return List.of();
    }
  }

  /**
   * The active tasks' input partitions, by topic and then partition number. Partitions of the
   * repartition topics (entities not keyed by user_id) are left out: they are this application's
   * own, and each instance owns them in the same proportion as the input partitions.
   */
  static List<String> ownedPartitions(Collection<ThreadMetadata> threads) {
    java.util.SortedSet<TopicPartition> partitions = new java.util.TreeSet<>(
        java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    for (ThreadMetadata thread : threads) {
      for (TaskMetadata task : thread.activeTasks()) {
        task.topicPartitions().stream().filter(p -> io.featurestore.events.Topics.ALL.contains(p.topic()))
            .forEach(partitions::add);
      }
    }
    return partitions.stream().map(TopicPartition::toString).toList();
  }

  /** {@code /health}'s body: {@code {"state":"RUNNING","status":"FAILING","reason":"…","since_ms":…,…,"partitions":[…]}}. */
  static String healthJson(KafkaStreams.State state, ProcessorHealth.Report report, List<String> partitions) {
    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("state", state.name());
    body.put("status", report.status().name());
    body.put("reason", report.reason());
    body.put("since_ms", report.sinceMs());
    body.put("since", report.sinceMs() >= 0 ? java.time.Instant.ofEpochMilli(report.sinceMs()).toString() : null);
    body.put("consumer_lag", report.consumerLag());
    body.put("thread_failures", report.failures());
    body.put("partitions", partitions);
    try {
      return JSON.writeValueAsString(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("health report not serializable", e);
    }
  }

  /** The Prometheus text of this instance's metrics, as {@code /metrics} serves it. */
  public String metricsText() {
    return meters.scrape();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  private void beat() {
    try {
      // Written whatever the health: a FAILING or STALLED instance says so (with the reason)
      // instead of vanishing; only a stopped process lets its heartbeat expire.
      ProcessorHealth.Report report = health();
      store.streamingWriter().writeHeartbeat(new Heartbeat(instanceId, streams.state().name(), System.currentTimeMillis(),
          metrics.lastEventTs(), metrics.eventsTotal(), report.status().name(), report.reason(), report.sinceMs(),
          ownedPartitions()),
          config.heartbeatTtl().toSeconds());
    } catch (RuntimeException e) {
      LOG.warn("Heartbeat not written: {}", e.getMessage());
    }
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    heartbeatTimer.shutdownNow();
    sinks.shuttingDown();
    streams.close(java.time.Duration.ofSeconds(30));
    try {
      store.streamingWriter().removeHeartbeat(instanceId);
    } catch (RuntimeException e) {
      LOG.warn("Heartbeat not removed: {}", e.getMessage());
    }
    if (http != null) {
      http.stop(0);
    }
    store.close();
    meters.close();
  }

  public static void main(String[] args) {
    int exit = Cli.run(new StreamProcessorConfig.Flags(), System.getenv(), args, StreamProcessorConfig.Flags::config,
        StreamProcessorApp::run);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  private static int run(StreamProcessorConfig config) throws Exception {
    StreamProcessorApp app = new StreamProcessorApp(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread shutdown = new Thread(() -> {
      LOG.info("Stopping the stream processor");
      app.close();
      stopped.countDown();
    }, "shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    try {
      app.start();
    } catch (StartupChecks.StartupException e) {
      Runtime.getRuntime().removeShutdownHook(shutdown);
      app.close();
      System.err.println("stream-processor: not starting: " + e.getMessage());
      return e.exitCode();
    }
    if (app.awaitRunning(120, TimeUnit.SECONDS)) {
      LOG.info("Stream processor ready: {} -> Redis {} ({}, stream TTL {} s, metrics on :{}); computing {}",
          config.bootstrapServers(), config.store().redis().describe(),
          config.exactlyOnce() ? "exactly_once_v2" : "at_least_once",
          config.topologySettings().registry().streamTtlSeconds(), config.metricsPort(),
          DeclaredFeatures.of(config.topologySettings().registry()).describe());
    } else {
      LOG.warn("Stream processor not running after 120 s (state {}); still trying", app.state());
    }
    stopped.await();
    return 0;
  }
}
