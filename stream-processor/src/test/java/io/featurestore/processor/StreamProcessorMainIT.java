package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line of the runnable jar as users start it ({@code java -jar stream-processor/target/stream-processor.jar}). */
class StreamProcessorMainIT {
  private static final Path JAR = Path.of("target", "stream-processor.jar").toAbsolutePath();

  private record Exit(int code, String output) {}

  /** Runs the jar to its end; only for arguments that end it before it connects to anything. */
  private static Exit run(Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("built by the package phase").exists();
    Path log = Files.createTempFile("stream-processor-", ".log");
    log.toFile().deleteOnExit();
    ChildProcess process = ChildProcess.jar("stream-processor", List.of(), JAR, List.of(args), env, log);
    return new Exit(process.waitFor(Duration.ofSeconds(60)), process.output());
  }

  @Test
  void shouldListEverySettingWithItsVariableInHelp() throws Exception {
    Exit help = run(Map.of(), "--help");
    assertThat(help.code()).isZero();
    assertThat(help.output()).startsWith("Usage: stream-processor")
        .containsPattern("(?m)^  FS_PROCESSOR_METRICS_PORT +--metrics-port +9464$");
  }

  @Test
  void shouldRefuseABadSettingInOneLineWithExitCode2() throws Exception {
    Exit fromEnvironment = run(Map.of("FS_MAX_FUTURE_SKEW_SECONDS", "soon"));
    assertThat(fromEnvironment.code()).isEqualTo(2);
    assertThat(fromEnvironment.output()).isEqualTo("Invalid value for --max-future-skew-seconds "
        + "(FS_MAX_FUTURE_SKEW_SECONDS): 'soon' is not a whole number" + System.lineSeparator());

    Exit fromFlag = run(Map.of(), "--processing-guarantee", "exactly_once");
    assertThat(fromFlag.code()).isEqualTo(2);
    assertThat(fromFlag.output()).startsWith("Invalid value for --processing-guarantee (FS_PROCESSING_GUARANTEE): ")
        .hasLineCount(1);
  }
}
