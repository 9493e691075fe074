package io.featurestore.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which Kafka cluster an application's local state belongs to: a small file in the
 * application's state directory ({@code <FS_PROCESSOR_STATE_DIR>/<application id>/}) holding the
 * cluster id. State restored from RocksDB is only right against the cluster whose changelogs and
 * offsets it matches; a state directory reused against another broker would serve that run's
 * counts. So state without a marker, or with another cluster's, is wiped before start.
 */
final class ClusterIdMarker {
  static final String FILE_NAME = "fs-kafka-cluster-id";

  private final Path appDir;

  ClusterIdMarker(Path stateDir, String applicationId) {
    this.appDir = stateDir.resolve(applicationId);
  }

  Path appDir() {
    return appDir;
  }

  Path file() {
    return appDir.resolve(FILE_NAME);
  }

  /** What to do with the local state, from the marker, whether there is state, and the current cluster id. */
  sealed interface Decision {
    /** Nothing to wipe: no local state, or state of this very cluster. */
    record Keep() implements Decision {}

    /** Local state of another cluster (or of an unknown one: {@code previous} empty). */
    record Wipe(Optional<String> previous, String current) implements Decision {
      String logLine(Path appDir) {
        return "Local state in " + appDir + " was written against Kafka cluster "
            + previous.map(id -> "'" + id + "'").orElse("<unknown: no cluster-id marker>")
            + ", not the current cluster '" + current + "': wiping it before start (it is rebuilt from this"
            + " cluster's changelog topics)";
      }
    }
  }

  static Decision decide(Optional<String> marker, boolean hasState, String clusterId) {
    if (marker.isPresent() && marker.get().equals(clusterId)) {
      return new Decision.Keep();
    }
    if (marker.isEmpty() && !hasState) {
      return new Decision.Keep();
    }
    // A marker naming another cluster means wiping even if no task directory is left: cheap,
    // and the marker is rewritten either way.
    return new Decision.Wipe(marker, clusterId);
  }

  Decision decide(String clusterId) {
    return decide(read(), hasState(), clusterId);
  }

  /** The cluster id the marker names, if there is a readable, non-empty marker. */
  Optional<String> read() {
    Path file = file();
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String id = Files.readString(file, StandardCharsets.UTF_8).trim();
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Whether the application directory holds any store: a sub-directory (task directories such
   * as {@code 0_1}, or {@code global}). Plain files (Kafka Streams' lock and process-id files,
   * this marker) are not state.
   */
  boolean hasState() {
    if (!Files.isDirectory(appDir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(appDir)) {
      return entries.anyMatch(Files::isDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + appDir, e);
    }
  }

  /**
   * Removes the marker (before a wipe: Kafka Streams' {@code cleanUp()} warns about any file in
   * the application directory other than its own lock and process-id files).
   */
  void delete() {
    try {
      Files.deleteIfExists(file());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file(), e);
    }
  }

  /** Writes the marker atomically (a temporary file moved into place). */
  void write(String clusterId) {
    try {
      Files.createDirectories(appDir);
      Path tmp = Files.createTempFile(appDir, FILE_NAME, ".tmp");
      Files.writeString(tmp, clusterId + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file(), e);
    }
  }
}
