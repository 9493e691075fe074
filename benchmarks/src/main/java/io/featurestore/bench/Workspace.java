package io.featurestore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.utils.Utils;

/**
 * A benchmark's temporary folder: Kafka data ({@code kafka/}), processor state ({@code state/})
 * and logs, in it or in a folder per run. Closing deletes it, or only the data when the logs are
 * to be kept ({@code --keep-logs}, or the benchmark did not succeed).
 */
final class Workspace implements AutoCloseable {
  final Path dir;
  private final boolean keepLogs;
  private final PrintWriter err;
  private boolean succeeded;

  Workspace(String name, boolean keepLogs, PrintWriter err) {
    try {
      this.dir = Files.createTempDirectory("fs-bench-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary folder", e);
    }
    this.keepLogs = keepLogs;
    this.err = err;
  }

  void succeeded() {
    succeeded = true;
  }

  @Override
  public void close() {
    if (keepLogs || !succeeded) {
      deleteData(dir);
      err.println("logs kept in " + dir);
      err.flush();
    } else {
      delete(dir);
    }
  }

  /** Removes the Kafka data and processor state under {@code dir}; the logs stay. */
  static void deleteData(Path dir) {
    delete(dir.resolve("kafka"));
    delete(dir.resolve("state"));
  }

  static void delete(Path path) {
    try {
      Utils.delete(path.toFile());
    } catch (IOException e) {
      System.err.println("warning: cannot delete " + path + ": " + e.getMessage());
    }
  }

  /** Closes each resource in order (nulls skipped); a failure is a warning, so the rest still close. */
  static void closeAll(PrintWriter err, AutoCloseable... resources) {
    for (AutoCloseable resource : resources) {
      try {
        if (resource != null) {
          resource.close();
        }
      } catch (Exception e) {
        err.println("warning: closing " + resource + ": " + e.getMessage());
      }
    }
    err.flush();
  }
}
