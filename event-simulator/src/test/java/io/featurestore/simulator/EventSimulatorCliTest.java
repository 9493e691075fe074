package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.events.Topics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Argument handling that needs no broker: every case here fails (or prints help) before connecting. */
class EventSimulatorCliTest {
  /** A port nothing listens on: a test that reached the network would fail with exit code 1, not 2. */
  private static final String NO_BROKER = "127.0.0.1:1";

  record Result(int code, String out, String err) {}

  static Result run(InputStream stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = EventSimulatorCli.commandLine(stdin, Map.of());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static Result run(String... args) {
    return run(InputStream.nullInputStream(), args);
  }

  @TempDir
  Path dir;

  @Test
  void shouldPrintHelpForEveryCommand() {
    assertThat(run("--help").out()).contains("run", "send", "Exit codes");
    Result runHelp = run("run", "--help");
    assertThat(runHelp.code()).isZero();
    assertThat(runHelp.out()).contains("--users", "--merchants", "FS_MERCHANTS", "--rate", "--duration", "--count", "--seed", "--fraud-rate",
        "--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS", "--registry");
    assertThat(run("send", "--help").out()).contains("--json", "login", "transaction");
    assertThat(run("send", "login", "--help").out()).contains("--user", "--device", "--country", "--failed", "--ts");
    assertThat(run("send", "transaction", "--help").out())
        .contains("--user", "--amount", "--currency", "--country", "--merchant", "--ts");
    assertThat(run("help", "run").out()).contains("--rate");
  }

  @Test
  void shouldPrintTheTopicsTheCodeUsesWithoutConnecting() {
    Result topics = run("topics");
    assertThat(topics.code()).isZero();
    assertThat(topics.out().lines()).containsExactlyElementsOf(Topics.ALL);
  }

  @Test
  void shouldListEverySettingWithItsFlagVariableAndDefaultInHelp() {
    assertThat(EventSimulatorCli.ENVIRONMENT).containsExactlyInAnyOrder("KAFKA_BOOTSTRAP_SERVERS", "FS_REGISTRY_FILE", "FS_MERCHANTS",
        "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_JAAS_CONFIG", "KAFKA_SSL_TRUSTSTORE_LOCATION",
        "KAFKA_SSL_TRUSTSTORE_PASSWORD", "KAFKA_SSL_TRUSTSTORE_TYPE");
    // Every command's settings; FS_MERCHANTS is run's own.
    for (String[] command : new String[][] {{"--help"}, {"run", "--help"}, {"send", "--help"}, {"send", "login", "-h"}}) {
      String help = run(command).out();
      assertThat(EventSimulatorCli.ENVIRONMENT).filteredOn(v -> !v.equals("FS_MERCHANTS"))
          .allSatisfy(v -> assertThat(help).containsPattern("(?m)^  " + v + " +--[a-z-]+ "));
    }
    assertThat(run("--help").out())
        .containsPattern("(?m)^  KAFKA_BOOTSTRAP_SERVERS +--bootstrap-servers +localhost:9092$");
    assertThat(run("run", "--help").out()).containsPattern("(?m)^  FS_MERCHANTS +--merchants +1000$");
  }

  @Test
  void shouldRefuseABadKafkaSecurityCombinationInOneLineWithExitCode2() {
    Result result = run("send", "login", "--user", "u0001", "--bootstrap-servers", NO_BROKER,
        "--kafka-security-protocol", "SASL_SSL", "--kafka-sasl-mechanism", "PLAIN");
    assertUsageError(result, "--kafka-sasl-jaas-config (KAFKA_SASL_JAAS_CONFIG) is required with "
        + "--kafka-security-protocol (KAFKA_SECURITY_PROTOCOL) SASL_SSL");
    assertThat(result.err().lines()).hasSize(1);
    assertUsageError(run("run", "--bootstrap-servers", NO_BROKER, "--kafka-security-protocol", "TLS"),
        "Invalid value for --kafka-security-protocol (KAFKA_SECURITY_PROTOCOL): must be PLAINTEXT, SSL, "
            + "SASL_PLAINTEXT or SASL_SSL, not 'TLS'");
  }

  @Test
  void shouldRejectBadRunArguments() {
    assertUsageError(run("run", "--users", "0", "--bootstrap-servers", NO_BROKER), "--users must be from 1");
    assertUsageError(run("run", "--rate", "0", "--bootstrap-servers", NO_BROKER), "--rate must be > 0");
    assertUsageError(run("run", "--rate", "fast"), "Invalid value for option '--rate'");
    assertUsageError(run("run", "--fraud-rate", "1.5", "--bootstrap-servers", NO_BROKER), "--fraud-rate must be");
    assertUsageError(run("run", "--count", "0", "--bootstrap-servers", NO_BROKER), "--count must be >= 1");
    assertUsageError(run("run", "--duration", "5x"), "'5x' is not a duration");
    assertUsageError(run("run", "--duration", "1m", "--count", "10"), "mutually exclusive");
    assertUsageError(run("run", "--users"), "Missing required parameter");
    assertUsageError(run("run", "--speed", "3"), "Unknown option");
    assertUsageError(run("run", "--merchants", "0", "--bootstrap-servers", NO_BROKER),
        "Invalid value for --merchants (FS_MERCHANTS): must be from 1 to 1000000, not 0");
  }

  @Test
  void shouldTakeTheMerchantCountFromTheEnvironment() {
    StringWriter err = new StringWriter();
    CommandLine cli = EventSimulatorCli.commandLine(InputStream.nullInputStream(), Map.of("FS_MERCHANTS", "many"));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("run", "--bootstrap-servers", NO_BROKER)).isEqualTo(2);
    assertThat(err.toString()).contains("--merchants (FS_MERCHANTS)", "many");
    CommandLine fromEnv = EventSimulatorCli.commandLine(InputStream.nullInputStream(), Map.of("FS_MERCHANTS", "250"));
    fromEnv.parseArgs("run");
    assertThat(((RunCommand) fromEnv.getSubcommands().get("run").getCommand()).merchants).isEqualTo(250);
    CommandLine defaults = EventSimulatorCli.commandLine(InputStream.nullInputStream(), Map.of());
    defaults.parseArgs("run");
    assertThat(((RunCommand) defaults.getSubcommands().get("run").getCommand()).merchants).isEqualTo(1_000);
  }

  @Test
  void shouldAskForACommand() {
    assertUsageError(run(), "name a command");
    assertUsageError(run("send", "--bootstrap-servers", NO_BROKER), "name what to send");
    assertUsageError(run("fly"), "Unmatched argument");
  }

  @Test
  void shouldRejectBadSingleEventsBeforeConnecting() {
    assertUsageError(run("send", "login"), "Missing required option: '--user=ID'");
    assertUsageError(run("send", "transaction", "--user", "u0001"), "--amount");
    assertUsageError(run("send", "transaction", "--user", "u0001", "--amount", "lots"), "'--amount'");
    assertUsageError(run("send", "login", "--user", "bad id!", "--bootstrap-servers", NO_BROKER),
        "invalid login: malformed user_id 'bad id!'");
    assertUsageError(run("send", "transaction", "--user", "u0001", "--amount", "-3", "--bootstrap-servers", NO_BROKER),
        "amount must be >= 0");
    assertUsageError(run("send", "login", "--user", "u0001", "--ts", "1716998413", "--bootstrap-servers", NO_BROKER),
        "ts must be epoch milliseconds");
    assertUsageError(run("send", "transaction", "--user", "alice", "--amount", "1", "--country", "JP",
        "--bootstrap-servers", NO_BROKER), "no default currency for country JP: pass --currency");
    assertUsageError(run("send", "--json", "-", "login", "--user", "u0001", "--bootstrap-servers", NO_BROKER),
        "does not combine");
    assertUsageError(run("send", "transaction", "--user", "u0001", "--amount", "1", "--merchant", "shop 42",
        "--bootstrap-servers", NO_BROKER), "invalid transaction: --merchant 'shop 42' is not a merchant id");
  }

  @Test
  void shouldRejectAJsonInputWithAnyInvalidEventBeforeConnecting() throws IOException {
    Path file = Files.writeString(dir.resolve("events.jsonl"),
        EventInputTest.LOGIN + "\n" + EventInputTest.TRANSACTION.replace("USD", "dollars") + "\n");
    Result result = run("send", "--json", file.toString(), "--bootstrap-servers", NO_BROKER);
    assertUsageError(result, "nothing sent: 1 of 2 events in " + file + " is invalid");
    assertThat(result.err()).contains("line 2: currency must be an ISO 4217 code");

    Result stdin = run(new ByteArrayInputStream("{\"user_id\":\"u1\"}\n".getBytes(StandardCharsets.UTF_8)),
        "send", "--json", "-", "--bootstrap-servers", NO_BROKER);
    assertUsageError(stdin, "nothing sent: 1 of 1 event in stdin is invalid");
    assertThat(stdin.err()).contains("line 1: neither a login");

    assertUsageError(run("send", "--json", dir.resolve("missing.jsonl").toString()), "no such file");
  }

  @Test
  void shouldRefuseAJsonInputLargerThanOneSendHoldsBeforeReadingIt() throws IOException {
    Path file = dir.resolve("huge.jsonl");
    try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(SendCommand.MAX_JSON_BYTES + 1L);
    }
    assertUsageError(run("send", "--json", file.toString(), "--bootstrap-servers", NO_BROKER),
        "cannot send " + file + ": more than 64 MiB of events in one send");

    java.io.InputStream endless = new java.io.InputStream() {
      @Override
      public int read() {
        return ' ';
      }
    };
    assertUsageError(run(endless, "send", "--json", "-", "--bootstrap-servers", NO_BROKER),
        "cannot send stdin: more than 64 MiB of events in one send");
  }

  private static void assertUsageError(Result result, String message) {
    assertThat(result.code()).as(result.err()).isEqualTo(2);
    assertThat(result.err()).contains(message);
    assertThat(result.out()).isEmpty();
  }
}
