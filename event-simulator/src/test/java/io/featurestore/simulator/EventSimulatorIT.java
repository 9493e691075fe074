package io.featurestore.simulator;

import static io.featurestore.simulator.EventSimulatorCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.population.Countries;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator against a real broker, on the real topic names. Tests share the broker and
 * its topics, so each one reads only what was written after its own snapshot of the end offsets.
 */
@ExtendWith(KafkaExtension.class)
class EventSimulatorIT {
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern SENT_LINE = Pattern.compile("topic=(\\S+) partition=(\\d+) offset=(\\d+) user=(\\S+)");
  private static final EventJson JSON = new EventJson(FeatureRegistry.bundled());

  private String bootstrap;
  private Map<TopicPartition, Long> before;

  @TempDir
  Path dir;

  @BeforeEach
  void createTopicsAndTakeSnapshot(KafkaEndpoint kafka) {
    bootstrap = kafka.bootstrapServers();
    KafkaExtension.createTopics(kafka, 3, Topics.LOGIN, Topics.TRANSACTION, Topics.DLQ);
    before = endOffsets();
  }

  private EventSimulatorCliTest.Result cli(String... args) {
    return cli(new byte[0], args);
  }

  private EventSimulatorCliTest.Result cli(byte[] stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--bootstrap-servers");
    all.add(bootstrap);
    return run(new ByteArrayInputStream(stdin), all.toArray(String[]::new));
  }

  @Test
  void shouldSendALoginAndATransactionKeyedByUserToTheirTopics() {
    long ts = System.currentTimeMillis() - 1_000;
    EventSimulatorCliTest.Result login = cli("send", "login", "--user", "u0007", "--device", "ios-9f02",
        "--failed", "--ts", Long.toString(ts));
    EventSimulatorCliTest.Result tx = cli("send", "transaction", "--user", "u0007", "--amount", "12.50",
        "--merchant", "m042", "--ts", Long.toString(ts));

    assertThat(login.code()).as(login.err()).isZero();
    assertThat(tx.code()).as(tx.err()).isZero();
    String home = Population.homeCountry(7, 42);
    String currency = Countries.money(home).orElseThrow().currency();
    List<ConsumerRecord<String, byte[]>> records = consume(2);
    assertThat(records).hasSize(2);
    for (ConsumerRecord<String, byte[]> record : records) {
      assertThat(record.key()).isEqualTo("u0007");
      if (record.topic().equals(Topics.LOGIN)) {
        assertThat(JSON.parseLogin(record.value())).isEqualTo(new LoginEvent("u0007", ts, "ios-9f02", home, false));
        assertPrinted(login.out(), record);
      } else {
        assertThat(record.topic()).isEqualTo(Topics.TRANSACTION);
        assertThat(JSON.parseTransaction(record.value()))
            .isEqualTo(new TransactionEvent("u0007", ts, new BigDecimal("12.50"), currency, home, "m042"));
        assertPrinted(tx.out(), record);
      }
    }
  }

  @Test
  void shouldSendEveryEventOfAJsonArrayFromStdin() {
    String array = "[\n" + EventInputTest.LOGIN + ",\n" + EventInputTest.TRANSACTION + ",\n"
        + EventInputTest.LOGIN.replace("u0001", "alice") + "\n]";

    EventSimulatorCliTest.Result result = cli(array.getBytes(StandardCharsets.UTF_8), "send", "--json", "-");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out().lines()).hasSize(3);
    assertThat(result.out().lines().toList().get(2)).startsWith("topic=events.login ").endsWith(" user=alice");
    List<ConsumerRecord<String, byte[]>> records = consume(3);
    assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("u0001", "u0002", "alice");
    assertNothingMore(3);
  }

  @Test
  void shouldSendNothingFromAJsonFileWithOneInvalidLine() throws IOException {
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= 20; i++) {
      lines.append(i == 13 ? EventInputTest.TRANSACTION.replace("\"merchant_id\":\"m042\"", "\"merchant_id\":\"\"")
          : i % 2 == 0 ? EventInputTest.LOGIN : EventInputTest.TRANSACTION).append('\n');
    }
    Path file = Files.writeString(dir.resolve("events.jsonl"), lines);

    EventSimulatorCliTest.Result result = cli("send", "--json", file.toString());

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("nothing sent: 1 of 20 events", "line 13: missing field 'merchant_id'");
    assertThat(result.out()).isEmpty();
    assertNothingMore(0);
    assertThat(endOffsets()).isEqualTo(before);
  }

  @Test
  void shouldRunExactlyTheCountOfEventsAcrossBothTopics() {
    EventSimulatorCliTest.Result result = cli("run", "--count", "500", "--rate", "1000", "--users", "50",
        "--merchants", "40", "--fraud-rate", "0.01");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out()).startsWith("sent 500 events in ").contains("0 not acknowledged");
    List<ConsumerRecord<String, byte[]>> records = consume(500);
    assertThat(records).hasSize(500);
    assertNothingMore(500);
    assertKeyedAndValid(records);
    long logins = records.stream().filter(r -> r.topic().equals(Topics.LOGIN)).count();
    assertThat(logins).isBetween(100L, 220L);
    assertThat(result.out()).contains(logins + " logins", (500 - logins) + " transactions");
    List<String> merchants = records.stream().filter(r -> r.topic().equals(Topics.TRANSACTION))
        .map(r -> JSON.parseTransaction(r.value()).merchantId()).toList();
    assertThat(merchants).as("the materializer's merchants m0001…m0040")
        .allSatisfy(id -> assertThat(Merchants.numberOf(id).orElse(-1)).isBetween(1L, 40L));
  }

  @Test
  void shouldFlushAndSummariseWhenStoppedBySigterm() throws Exception {
    Path stdout = dir.resolve("stdout.txt");
    Path stderr = dir.resolve("stderr.txt");
    Process process = new ProcessBuilder(simulatorCommand("run", "--rate", "300", "--users", "100",
        "--bootstrap-servers", bootstrap))
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    try {
      Await.until("the start line", CONSUME_TIMEOUT, () -> read(stderr).contains("Producing to events.login"));
      Await.until("100 events on the topics", CONSUME_TIMEOUT, () -> sum(endOffsets()) - sum(before) >= 100);

      process.destroy();

      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    } finally {
      process.destroyForcibly();
    }
    assertThat(process.exitValue()).as(Files.readString(stderr)).isEqualTo(143);
    Matcher summary = Pattern.compile("sent (\\d+) events in .* 0 not acknowledged; stopped early")
        .matcher(Files.readString(stdout));
    assertThat(summary.find()).as(Files.readString(stdout)).isTrue();
    int sent = Integer.parseInt(summary.group(1));
    assertThat(sent).isGreaterThanOrEqualTo(100);
    assertThat(consume(sent)).hasSize(sent);
    assertNothingMore(sent);
  }

  @Test
  void shouldFailWithExitCodeOneWhenKafkaIsUnreachable() {
    // The flag given to `send` itself reaches its subcommand.
    EventSimulatorCliTest.Result result = run("send", "--bootstrap-servers", "127.0.0.1:1", "login", "--user",
        "u0001");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("cannot reach Kafka at 127.0.0.1:1");
  }

  /** The packaged jar when `mvn verify` built it; the test classpath otherwise (running from an IDE). */
  private static List<String> simulatorCommand(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path jar = Path.of("target", "event-simulator.jar");
    if (Files.isRegularFile(jar)) {
      command.addAll(List.of("-jar", jar.toString()));
    } else {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), EventSimulatorCli.class.getName()));
    }
    command.addAll(List.of(args));
    return command;
  }

  private static void assertPrinted(String out, ConsumerRecord<String, byte[]> record) {
    Matcher line = SENT_LINE.matcher(out.strip());
    assertThat(line.matches()).as(out).isTrue();
    assertThat(line.group(1)).isEqualTo(record.topic());
    assertThat(Integer.parseInt(line.group(2))).isEqualTo(record.partition());
    assertThat(Long.parseLong(line.group(3))).isEqualTo(record.offset());
    assertThat(line.group(4)).isEqualTo(record.key());
  }

  private static void assertKeyedAndValid(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, Integer> partitionOfUser = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      Event event = record.topic().equals(Topics.LOGIN) ? JSON.parseLogin(record.value())
          : JSON.parseTransaction(record.value());
      assertThat(record.key()).isEqualTo(event.userId());
      Integer partition = partitionOfUser.putIfAbsent(record.topic() + "/" + record.key(), record.partition());
      assertThat(partition == null || partition == record.partition()).as("one partition per user").isTrue();
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private Map<TopicPartition, Long> endOffsets() {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.LOGIN, Topics.TRANSACTION)) {
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      return consumer.endOffsets(partitions);
    }
  }

  /** Records written since the snapshot, polled until {@code expected} arrived. */
  private List<ConsumerRecord<String, byte[]>> consume(int expected) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.assign(before.keySet());
      before.forEach(consumer::seek);
      Await.value(expected + " records since the snapshot", CONSUME_TIMEOUT, () -> {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        return records.size();
      }, n -> n >= expected);
    }
    return records;
  }

  /**
   * Exactly {@code expected} records since the snapshot, no more. Called once the sender has
   * returned (or exited), so every record it sent is acknowledged and counted in the end offsets.
   */
  private void assertNothingMore(int expected) {
    assertThat(sum(endOffsets()) - sum(before)).as("records since the snapshot").isEqualTo(expected);
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
