package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.processor.ClusterIdMarker.Decision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterIdMarkerTest {
  @TempDir
  Path stateDir;

  @Test
  void shouldKeepStateOfThisClusterAndAnEmptyDirectory() {
    assertThat(ClusterIdMarker.decide(Optional.of("A"), true, "A")).isEqualTo(new Decision.Keep());
    assertThat(ClusterIdMarker.decide(Optional.empty(), false, "A")).isEqualTo(new Decision.Keep());
  }

  @Test
  void shouldWipeStateOfAnotherClusterOrOfAnUnknownOne() {
    assertThat(ClusterIdMarker.decide(Optional.of("B"), true, "A")).isEqualTo(new Decision.Wipe(Optional.of("B"), "A"));
    assertThat(ClusterIdMarker.decide(Optional.of("B"), false, "A")).isEqualTo(new Decision.Wipe(Optional.of("B"), "A"));
    assertThat(ClusterIdMarker.decide(Optional.empty(), true, "A")).isEqualTo(new Decision.Wipe(Optional.empty(), "A"));
  }

  @Test
  void shouldNameBothClusterIdsInTheLogLine() {
    Path dir = Path.of("/state/app");
    assertThat(new Decision.Wipe(Optional.of("old-id"), "new-id").logLine(dir))
        .contains("/state/app", "'old-id'", "'new-id'", "wiping");
    assertThat(new Decision.Wipe(Optional.empty(), "new-id").logLine(dir)).contains("no cluster-id marker", "'new-id'");
  }

  @Test
  void shouldCountOnlyDirectoriesAsStateAndReadBackWhatItWrites() throws Exception {
    ClusterIdMarker marker = new ClusterIdMarker(stateDir, "app");
    assertThat(marker.hasState()).isFalse();
    assertThat(marker.read()).isEmpty();

    Files.createDirectories(marker.appDir());
    Files.writeString(marker.appDir().resolve(".lock"), "");
    Files.writeString(marker.appDir().resolve("kafka-streams-process-metadata"), "{}");
    assertThat(marker.hasState()).as("Kafka Streams' own files are not state").isFalse();
    Files.createDirectories(marker.appDir().resolve("0_1"));
    assertThat(marker.hasState()).isTrue();

    marker.write("cluster-1");
    assertThat(marker.read()).contains("cluster-1");
    assertThat(marker.file()).isEqualTo(stateDir.resolve("app").resolve(ClusterIdMarker.FILE_NAME));
    marker.write("cluster-2");
    assertThat(marker.read()).contains("cluster-2");
    try (var files = Files.list(marker.appDir())) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
    assertThat(new ClusterIdMarker(stateDir, "other-app").read()).as("per application id").isEmpty();
  }

  @Test
  void shouldWipeOnlyForeignStateAndMarkTheDirectoryAsThisClustersEitherWay() throws Exception {
    ClusterIdMarker marker = new ClusterIdMarker(stateDir, "app");
    AtomicInteger wipes = new AtomicInteger();

    assertThat(StartupChecks.prepareLocalState(marker, "A", wipes::incrementAndGet)).isEqualTo(new Decision.Keep());
    assertThat(wipes).hasValue(0);
    assertThat(marker.read()).contains("A");

    Files.createDirectories(marker.appDir().resolve("0_0"));
    assertThat(StartupChecks.prepareLocalState(marker, "A", wipes::incrementAndGet)).isEqualTo(new Decision.Keep());
    assertThat(wipes).hasValue(0);

    assertThat(StartupChecks.prepareLocalState(marker, "B", () -> {
      assertThat(marker.file()).as("removed before the wipe, rewritten after").doesNotExist();
      wipes.incrementAndGet();
    })).isEqualTo(new Decision.Wipe(Optional.of("A"), "B"));
    assertThat(wipes).hasValue(1);
    assertThat(marker.read()).contains("B");

    Files.delete(marker.file());
    assertThat(StartupChecks.prepareLocalState(marker, "B", wipes::incrementAndGet))
        .as("state without a marker").isEqualTo(new Decision.Wipe(Optional.empty(), "B"));
    assertThat(wipes).hasValue(2);
  }
}
