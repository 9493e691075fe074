package io.featurestore.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's top folder: {@code fs.project.root} (set by the build), else the nearest parent with ./stack. */
final class Project {
  private Project() {}

  static Path root() {
    String configured = System.getProperty("fs.project.root");
    if (configured != null && Files.exists(Path.of(configured, "stack"))) {
      return Path.of(configured);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("stack")) && Files.exists(dir.resolve("docker-compose.yml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the project root (./stack) from " + Path.of("").toAbsolutePath());
  }
}
