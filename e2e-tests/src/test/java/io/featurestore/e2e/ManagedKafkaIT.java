package io.featurestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.events.Topics;
import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.FreePorts;
import io.featurestore.infra.KafkaBroker;
import io.featurestore.infra.ProjectScripts;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs against a Kafka that asks for a login, the way a managed one does: a broker with
 * a SASL/PLAIN listener ({@link KafkaBroker.Options#withSaslPlain}), the simulator's {@code send}
 * and the stream processor as their own processes ({@code event-simulator.jar},
 * {@code stream-processor.jar}), configured only through the environment. With the right
 * password an event goes through both and its feature reaches Redis; with a wrong one each
 * program stops at start with one line naming {@code KAFKA_SASL_JAAS_CONFIG}. Neither password
 * ever appears in a log (Kafka's clients logging at INFO, so their config dumps are in it),
 * {@code /health}, {@code /metrics}, {@code --help} or an error.
 */
@ExtendWith(RedisExtension.class)
class ManagedKafkaIT {
  private static final String USER = "fs-it";
  private static final String PASSWORD = "Pw-" + UUID.randomUUID();
  private static final String WRONG_PASSWORD = "Wrong-" + UUID.randomUUID();
  private static final Path ROOT = ProjectScripts.root();
  private static final Path LOGS = ROOT.resolve("e2e-tests/target/managed-kafka");
  private static KafkaBroker broker;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final List<ChildProcess> processes = new ArrayList<>();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);

  @TempDir
  Path stateDir;

  @BeforeAll
  static void startBroker() throws Exception {
    Files.createDirectories(LOGS);
    broker = KafkaBroker.start(KafkaBroker.Options.defaults().withSaslPlain(USER, PASSWORD));
    broker.createTopics(3, Topics.ALL.toArray(String[]::new));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void stopProcesses() {
    processes.forEach(p -> p.stop(Duration.ofSeconds(30)));
  }

  @Test
  void shouldProduceAndConsumeThroughTheSaslListenerWithoutShowingThePassword(RedisEndpoint redis) throws Exception {
    String prefix = "it:managed:" + suffix + ":";
    int metricsPort = FreePorts.next();
    Map<String, String> env = processorEnv(PASSWORD, redis, prefix, metricsPort);
    ChildProcess processor = start("stream-processor", List.of(), env);
    processor.await("the processor's /health to say RUNNING", Duration.ofSeconds(120),
        () -> get(metricsPort, "/health").contains("\"state\":\"RUNNING\""));

    ChildProcess send = start("event-simulator", List.of("send", "transaction", "--user", "u0001", "--amount", "5.00"),
        kafkaEnv(PASSWORD));
    assertThat(send.waitFor(Duration.ofSeconds(90))).as("send's exit status; output:%n%s", send.output()).isZero();
    assertThat(send.output()).contains("topic=events.transaction");

    FeatureRegistry registry = FeatureRegistry.bundled().withOverrides(prefix, 86_400, 300);
    try (FeatureStore store = FeatureStore.connect(redis.url(), registry)) {
      processor.await("tx_count_5m of u0001 in Redis", Duration.ofSeconds(60), () -> Long.valueOf(1).equals(
          store.reader().getBatch(List.of("u0001"), List.of("tx_count_5m"), false).get(0).values().get("tx_count_5m")));
    }

    String health = get(metricsPort, "/health");
    String metrics = get(metricsPort, "/metrics");
    assertThat(metrics).contains("fs_processor_events");
    assertThat(List.of(health, metrics, processor.output(), send.output())).allSatisfy(text ->
        assertThat(text).doesNotContain(PASSWORD));
    assertThat(processor.output()).as("Kafka's own config log, redacted").contains("sasl.jaas.config = [hidden]");
    assertThat(send.output()).contains("sasl.jaas.config = [hidden]");

    for (String module : List.of("stream-processor", "event-simulator")) {
      ChildProcess help = start(module, List.of("--help"), env);
      assertThat(help.waitFor(Duration.ofSeconds(60))).isZero();
      assertThat(help.output()).contains("KAFKA_SASL_JAAS_CONFIG").doesNotContain(PASSWORD);
    }
  }

  @Test
  void shouldStopAtStartWithOneLineNamingTheJaasConfigWhenThePasswordIsWrong(RedisEndpoint redis) {
    ChildProcess processor = start("stream-processor", List.of(),
        processorEnv(WRONG_PASSWORD, redis, "it:wrong:" + suffix + ":", FreePorts.next()));
    assertThat(processor.waitFor(Duration.ofSeconds(90))).as("exit status; output:%n%s", processor.output()).isEqualTo(2);
    List<String> refusal = processor.output().lines().filter(l -> l.contains("not starting")).toList();
    assertThat(refusal).as("one line").hasSize(1);
    assertThat(refusal.get(0)).startsWith("stream-processor: not starting: Kafka at " + broker.saslBootstrapServers()
        + " refused to authenticate this client (protocol SASL_PLAINTEXT, mechanism PLAIN)")
        .contains("KAFKA_SASL_JAAS_CONFIG");

    ChildProcess send = start("event-simulator", List.of("send", "login", "--user", "u0001"), kafkaEnv(WRONG_PASSWORD));
    assertThat(send.waitFor(Duration.ofSeconds(90))).as("exit status; output:%n%s", send.output()).isEqualTo(2);
    List<String> errors = send.output().lines().filter(l -> l.startsWith("error: ")).toList();
    assertThat(errors).as("one line").hasSize(1);
    assertThat(errors.get(0)).startsWith("error: Kafka at " + broker.saslBootstrapServers() + " refused to authenticate")
        .contains("KAFKA_SASL_JAAS_CONFIG");

    assertThat(List.of(processor.output(), send.output())).allSatisfy(text ->
        assertThat(text).doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD));
  }

  private static Map<String, String> kafkaEnv(String password) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.saslBootstrapServers());
    env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
    env.put("KAFKA_SASL_MECHANISM", "PLAIN");
    env.put("KAFKA_SASL_JAAS_CONFIG", KafkaBroker.plainLoginLine(USER, password));
    return env;
  }

  private Map<String, String> processorEnv(String password, RedisEndpoint redis, String prefix, int metricsPort) {
    Map<String, String> env = kafkaEnv(password);
    env.put("REDIS_URL", redis.url());
    env.put("FS_KEY_PREFIX", prefix);
    env.put("FS_PROCESSOR_APPLICATION_ID", "managed-kafka-" + suffix);
    env.put("FS_PROCESSOR_STATE_DIR", stateDir.toString());
    env.put("FS_PROCESSOR_METRICS_PORT", Integer.toString(metricsPort));
    return env;
  }

  private ChildProcess start(String module, List<String> args, Map<String, String> env) {
    Path jar = ROOT.resolve(module).resolve("target").resolve(module + ".jar");
    assertThat(jar).as("the jar, built by mvn package").isRegularFile();
    String logName = module + "-" + suffix + "-" + processes.size() + ".log";
    ChildProcess process = ChildProcess.jar(module, List.of("-Xmx256m", "-Dlogback.configurationFile=" + logbackConfig()),
        jar, args, env, LOGS.resolve(logName));
    processes.add(process);
    return process;
  }

  private static String logbackConfig() {
    try {
      return Path.of(ManagedKafkaIT.class.getResource("/logback-kafka-clients-info.xml").toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private String get(int port, String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (java.io.IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
