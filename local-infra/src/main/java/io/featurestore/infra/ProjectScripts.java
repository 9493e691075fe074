package io.featurestore.infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's own provisioning scripts ({@code scripts/provide-*.sh}), run from tests and
 * fixtures so that a fresh machine installs what it needs the same way a user's does.
 */
public final class ProjectScripts {
  /** A file every checkout has, used to recognise the project's top folder. */
  private static final String MARKER = "scripts/provide-redis.sh";

  private ProjectScripts() {}

  /** The checkout's top folder: {@code fs.project.root} (set by the build), else the nearest parent holding the scripts. */
  public static Path root() {
    String configured = System.getProperty("fs.project.root");
    if (configured != null && Files.exists(Path.of(configured, MARKER))) {
      return Path.of(configured);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(MARKER))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the project's " + MARKER + " from " + Path.of("").toAbsolutePath()
        + "; run from the checkout or set -Dfs.project.root");
  }

  /**
   * Runs {@code scripts/NAME} with bash, its messages shown on this process's stderr, and
   * returns the lines it printed on stdout.
   *
   * @throws IllegalStateException when the script is missing, fails, or outlasts {@code timeout}
   */
  public static List<String> run(String name, Duration timeout) {
    Path script = root().resolve("scripts").resolve(name);
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("cannot find scripts/" + name + " in " + root());
    }
    try {
      Process process = new ProcessBuilder("bash", script.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out;
      try (InputStream in = process.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("scripts/" + name + " did not finish within " + timeout);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("scripts/" + name + " failed with exit code " + process.exitValue()
            + " (see its messages above)");
      }
      return out.isEmpty() ? List.of() : out.lines().toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running scripts/" + name, e);
    }
  }
}
