package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.Heartbeat;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/** /health, the heartbeat and the failure metrics while a task keeps failing, against a real broker and Redis. */
@ExtendWith(KafkaExtension.class)
class ProcessorHealthIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Pattern STATUS = Pattern.compile("\"status\":\"([A-Z]+)\"");
  private static final Pattern REASON = Pattern.compile("\"reason\":\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern SINCE = Pattern.compile("\"since_ms\":(-?\\d+)");

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @TempDir
  Path stateDir;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private record Health(int code, String status, String reason, long sinceMs, String body) {
    static Health of(HttpResponse<String> response) {
      String body = response.body();
      return new Health(response.statusCode(), group(STATUS, body).orElse(""), group(REASON, body).orElse(""),
          group(SINCE, body).map(Long::parseLong).orElse(-1L), body);
    }

    private static Optional<String> group(Pattern pattern, String text) {
      Matcher m = pattern.matcher(text);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @Override
    public String toString() {
      return code + " " + body;
    }
  }

  private static HttpResponse<String> get(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sum of a Prometheus counter over all its label sets. */
  private static double counter(int port, String name) {
    double sum = 0;
    for (String line : get(port, "/metrics").body().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Optional<Heartbeat> heartbeat(FeatureRegistry registry, String redisUrl) {
    try (FeatureStore store = FeatureStore.connect(redisUrl, registry)) {
      return store.reader().processorHeartbeats().stream().findFirst();
    }
  }

  @Test
  void shouldReportFailingWithAReasonWhileRedisIsDownAndHealthyAgainOnceItIsBack(KafkaEndpoint kafka) throws Exception {
    KafkaExtension.createTopics(kafka, 3, Topics.ALL.toArray(String[]::new));
    String prefix = "it:health:" + UUID.randomUUID().toString().substring(0, 6) + ":";
    FeatureRegistry registry = FeatureRegistry.bundled().withOverrides(prefix, 1000, 60);
    String user = "health-" + UUID.randomUUID().toString().substring(0, 6);
    int redisPort = FreePorts.next();
    Path binary = RedisBinary.locate();
    RedisServer redis = RedisServer.start(binary, redisPort);
    int httpPort = FreePorts.next();

    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("REDIS_URL", redis.url());
    env.put("FS_KEY_PREFIX", prefix);
    env.put("FS_STREAM_TTL_SECONDS", "60");
    env.put("FS_PROCESSOR_APPLICATION_ID", "it-health-" + UUID.randomUUID().toString().substring(0, 8));
    env.put("FS_PROCESSOR_STATE_DIR", stateDir.toString());
    env.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(httpPort));
    env.put("FS_HEARTBEAT_TTL_SECONDS", "3");
    env.put("FS_SINK_RETRY_SECONDS", "1");
    // FAILING lasts FS_SINK_RETRY_SECONDS + the 10 s session timeout + FS_PROCESSOR_STALL_SECONDS after the
    // latest failure (19 s here), longer than one turn of the crash loop (retry, then rejoin: about 11 s).
    env.put("FS_PROCESSOR_STALL_SECONDS", "8");
    StreamProcessorApp app = new StreamProcessorApp(StreamProcessorConfig.fromEnv(env));
    toClose.add(app);
    app.start();
    assertThat(app.awaitRunning(60, TimeUnit.SECONDS)).isTrue();

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    toClose.add(producer);
    EventJson json = new EventJson(registry);
    Runnable transaction = () -> {
      try {
        producer.send(new ProducerRecord<>(Topics.TRANSACTION, user.getBytes(StandardCharsets.UTF_8), json.write(
            new TransactionEvent(user, System.currentTimeMillis(), new BigDecimal("1.00"), "USD", "US", "m1")))).get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };

    transaction.run();
    try (RedisClient client = RedisClient.create(redis.url())) {
      Await.until("the first event written", Duration.ofSeconds(30), () -> "1".equals(client.hget(prefix + user, "tx_count_5m")));
    }
    Health healthy = Await.value("/health OK", Duration.ofSeconds(30), () -> Health.of(get(httpPort, "/health")),
        h -> h.code() == 200);
    assertThat(healthy.status()).isEqualTo("OK");
    assertThat(counter(httpPort, "fs_processor_task_failures_total")).isZero();

    redis.close();
    transaction.run();

    Health failing = Await.value("/health FAILING while Redis is down", Duration.ofSeconds(60),
        () -> Health.of(get(httpPort, "/health")), h -> h.status().equals("FAILING"));
    assertThat(failing.code()).isEqualTo(503);
    assertThat(failing.reason()).contains("stream thread failed", "replaced");
    assertThat(failing.sinceMs()).isPositive();
    assertThat(failing.body()).contains("\"state\":\"", "\"thread_failures\":");
    // The task keeps failing while Redis stays down: the counters keep going up.
    Await.until("a second failure and replacement", Duration.ofSeconds(60),
        () -> counter(httpPort, "fs_processor_task_failures_total") >= 2
            && counter(httpPort, "fs_processor_thread_replacements_total") >= 2);
    Health stillFailing = Health.of(get(httpPort, "/health"));
    assertThat(stillFailing.status()).isEqualTo("FAILING");
    assertThat(stillFailing.sinceMs()).as("since the first failure of the streak").isEqualTo(failing.sinceMs());
    assertThat(counter(httpPort, "fs_processor_healthy")).isZero();

    RedisServer again = RedisServer.start(binary, redisPort);
    toClose.add(again);
    // Until the quiet period has passed, the heartbeat (Redis is back) says FAILING, with the reason.
    Heartbeat failingBeat = Await.value("a FAILING heartbeat", Duration.ofSeconds(30),
        () -> heartbeat(registry, again.url()).orElse(null), b -> b.status().equals("FAILING"));
    assertThat(failingBeat.reason()).contains("stream thread failed");
    assertThat(failingBeat.statusSinceMs()).isEqualTo(failing.sinceMs());

    try (RedisClient client = RedisClient.create(again.url())) {
      Await.until("both events written after Redis returned", Duration.ofSeconds(60),
          () -> "2".equals(client.hget(prefix + user, "tx_count_5m")));
    }
    Health recovered = Await.value("/health OK again", Duration.ofSeconds(60), () -> Health.of(get(httpPort, "/health")),
        h -> h.code() == 200);
    assertThat(recovered.status()).isEqualTo("OK");
    assertThat(recovered.reason()).isEmpty();
    Await.until("an OK heartbeat", Duration.ofSeconds(10),
        () -> heartbeat(registry, again.url()).map(Heartbeat::ok).orElse(false));
    assertThat(counter(httpPort, "fs_processor_healthy")).isEqualTo(1);
  }
}
