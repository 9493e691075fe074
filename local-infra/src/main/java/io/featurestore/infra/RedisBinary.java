package io.featurestore.infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Finds a {@code redis-server} >= 7.4 the same way {@code scripts/provide-redis.sh} does,
 * by asking that script: {@code REDIS_SERVER}, then PATH, then the project's cached build
 * (building it once if needed).
 */
public final class RedisBinary {
  static final String SCRIPT = "scripts/provide-redis.sh";

  private RedisBinary() {}

  public static Path locate() {
    Path script = projectRoot().resolve(SCRIPT);
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("cannot find " + SCRIPT + " to provide a Redis >= 7.4 server;"
          + " set REDIS_SERVER=/path/to/redis-server (or run from the project checkout)");
    }
    try {
      Process process = new ProcessBuilder("bash", script.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out;
      try (InputStream in = process.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0 || out.isEmpty()) {
        throw new IllegalStateException(SCRIPT + " could not provide a Redis >= 7.4 server (see its messages above)");
      }
      return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while providing Redis", e);
    }
  }

  /** The checkout's top folder: {@code fs.project.root}, else the nearest parent holding the script. */
  static Path projectRoot() {
    String configured = System.getProperty("fs.project.root");
    if (configured != null && Files.exists(Path.of(configured, SCRIPT))) {
      return Path.of(configured);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(SCRIPT))) {
        return dir;
      }
    }
    return Path.of("").toAbsolutePath();
  }
}
