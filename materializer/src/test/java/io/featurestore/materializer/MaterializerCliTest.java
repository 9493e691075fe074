package io.featurestore.materializer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MaterializerCliTest {

  static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MaterializerCli.commandLine();
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
    assertThat(load[1]).contains("--count", "--from", "--seed", "--ttl-seconds", "--redis-url", "REDIS_URL");
    assertThat(run("reset", "--help")[1]).contains("--yes");
    assertThat(run("stats", "--help")[1]).contains("--sample");
  }

  @Test
  void shouldRequireExactlyOneSource() {
    String[] none = run("load");
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("--count", "--from");
    assertThat(run("load", "--count", "5", "--from", "x.csv")[2]).contains("mutually exclusive");
  }

  @Test
  void shouldRejectBadNumbersBeforeConnecting() {
    String[] result = run("load", "--count", "0", "--redis-url", "redis://127.0.0.1:1");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("--count must be >= 1");
  }
}
