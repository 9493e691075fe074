package io.featurestore.materializer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MaterializerCliTest {

  static String[] run(String... args) {
    return run(Map.of(), args);
  }

  static String[] run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MaterializerCli.commandLine(env);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void shouldPrintHelpForEveryCommand() {
    assertThat(run("--help")[1]).contains("load", "reset", "stats");
    String[] load = run("load", "--help");
    assertThat(load[0]).isEqualTo("0");
    assertThat(load[1]).contains("--count", "--from", "--seed", "--entity", "FS_ENTITY", "--batch-ttl-seconds",
            "--redis-url", "REDIS_URL")
        .doesNotContain("--ttl-seconds");
    assertThat(run("reset", "--help")[1]).contains("--yes", "--entity");
    assertThat(run("stats", "--help")[1]).contains("--sample", "--entity");
  }

  @Test
  void shouldListEverySettingWithItsFlagVariableAndDefaultInHelp() {
    assertThat(MaterializerCli.ENVIRONMENT).containsExactlyInAnyOrder("REDIS_URL", "FS_REGISTRY_FILE", "FS_KEY_PREFIX",
        "FS_BATCH_TTL_SECONDS", "FS_STREAM_TTL_SECONDS", "REDIS_CLUSTER_NODES", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_TLS",
        "REDIS_TLS_CA_FILE", "FS_ENTITY");
    for (String[] command : new String[][] {{"--help"}, {"load", "--help"}, {"reset", "--help"}, {"stats", "--help"}}) {
      String help = run(command)[1];
      assertThat(MaterializerCli.ENVIRONMENT)
          .allSatisfy(v -> assertThat(help).containsPattern("(?m)^  " + v + " +--[a-z-]+ "));
    }
    assertThat(run("--help")[1]).containsPattern("(?m)^  REDIS_URL +--redis-url +redis://localhost:6379$");
  }

  @Test
  void shouldRequireExactlyOneSource() {
    String[] none = run("load");
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("--count", "--from");
    assertThat(run("load", "--count", "5", "--from", "x.csv")[2]).contains("mutually exclusive");
  }

  @Test
  void shouldNameTheDeclaredEntitiesForAnUnknownOneBeforeConnecting() {
    for (String[] args : new String[][] {{"load", "--count", "5", "--entity", "store"}, {"stats", "--entity", "store"},
        {"--entity", "store", "reset", "--yes"}}) {
      String[] result = run(args[0].equals("--entity") ? args : append(args, "--redis-url", "redis://127.0.0.1:1"));
      assertThat(result[0]).as(String.join(" ", args)).isEqualTo("2");
      assertThat(result[2]).contains("Invalid value for --entity (FS_ENTITY): unknown entity 'store'; "
          + "the registry declares: user, merchant");
    }
    CommandLine fromEnv = MaterializerCli.commandLine(Map.of("FS_ENTITY", "shop"));
    StringWriter err = new StringWriter();
    fromEnv.setErr(new PrintWriter(err, true));
    assertThat(fromEnv.execute("stats", "--redis-url", "redis://127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("(FS_ENTITY): unknown entity 'shop'");
  }

  private static String[] append(String[] args, String... more) {
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  @Test
  void shouldRefuseAFromThatIsMissingOrNotARegularFileBeforeConnecting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    String[] missing = run("load", "--from", dir.resolve("nope.csv").toString(), "--redis-url", "redis://127.0.0.1:1");
    assertThat(missing[0]).isEqualTo("2");
    assertThat(missing[2]).contains("nope.csv: no such file");
    String[] directory = run("load", "--from", dir.toString(), "--format", "csv", "--redis-url", "redis://127.0.0.1:1");
    assertThat(directory[0]).isEqualTo("2");
    assertThat(directory[2]).contains("is not a regular file: --from reads it twice");
  }

  @Test
  void shouldTakeTheFormatInAnyCase() {
    for (String format : new String[] {"csv", "CSV", "Jsonl"}) {
      picocli.CommandLine.ParseResult parsed = MaterializerCli.commandLine(Map.of())
          .parseArgs("load", "--from", "daily.txt", "--format", format);
      assertThat(parsed.subcommand().<BatchFile.Format>matchedOptionValue("--format", null).name())
          .isEqualTo(format.toUpperCase(java.util.Locale.ROOT));
    }
  }

  @Test
  void shouldRejectBadNumbersBeforeConnecting() {
    String[] result = run("load", "--count", "0", "--redis-url", "redis://127.0.0.1:1");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("--count must be >= 1");
    String[] ttl = run("load", "--count", "5", "--batch-ttl-seconds", "0");
    assertThat(ttl[0]).isEqualTo("2");
    assertThat(ttl[2]).isEqualTo("Invalid value for --batch-ttl-seconds (FS_BATCH_TTL_SECONDS): must be > 0, not 0"
        + System.lineSeparator());
    for (String[] bad : new String[][] {{"--chunk-size", "0", "--chunk-size must be 1..100000 rows, not 0"},
        {"--chunk-size", "1000000000", "--chunk-size must be 1..100000 rows"},
        {"--parallelism", "-1", "--parallelism must be 1..64 connections, not -1"}}) {
      String[] refused = run("load", "--count", "5", bad[0], bad[1], "--redis-url", "redis://127.0.0.1:1");
      assertThat(refused[0]).as(String.join(" ", bad)).isEqualTo("2");
      assertThat(refused[2]).contains(bad[2]);
    }
    String[] prefix = run("stats", "--key-prefix", "", "--redis-url", "redis://127.0.0.1:1");
    assertThat(prefix[0]).isEqualTo("2");
    assertThat(prefix[2]).contains("Invalid value for --key-prefix (FS_KEY_PREFIX): must not be empty");
  }
}
