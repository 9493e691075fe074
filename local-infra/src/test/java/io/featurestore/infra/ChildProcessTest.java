package io.featurestore.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {
  @Test
  void shouldAwaitItsReadyLineAndStopItWithSigterm(@TempDir Path dir) {
    try (ChildProcess child = ChildProcess.start("sleeper", List.of("sh", "-c", "echo ready; exec sleep 60"), Map.of(),
        dir.resolve("logs/sleeper.log"))) {
      child.awaitOutput("ready", Duration.ofSeconds(10));

      assertThat(child.isAlive()).isTrue();
      assertThat(child.stop(Duration.ofSeconds(10))).isEqualTo(143); // 128 + SIGTERM
    }
  }

  @Test
  void shouldPassItsSettingsInTheEnvironmentAndReportItsExitCode(@TempDir Path dir) {
    try (ChildProcess child = ChildProcess.start("env", List.of("sh", "-c", "echo \"[$FS_KEY_PREFIX]\""),
        Map.of("FS_KEY_PREFIX", "mine:"), dir.resolve("env.log"))) {
      assertThat(child.waitFor(Duration.ofSeconds(10))).isZero();
      assertThat(child.output()).contains("[mine:]");
    }
  }

  @Test
  void shouldFailAtOnceWhenTheChildExitsWhileAwaited(@TempDir Path dir) {
    try (ChildProcess child = ChildProcess.start("quitter", List.of("sh", "-c", "echo bye; exit 3"), Map.of(),
        dir.resolve("quitter.log"))) {
      assertThatThrownBy(() -> child.awaitOutput("never printed", Duration.ofSeconds(60)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("quitter exited with 3").hasMessageContaining("bye");
    }
  }
}
