package io.featurestore.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One OS process of the fault suite (a broker, the stream processor, the simulator) with its
 * output in a log file. Only the process this object started is ever signalled, through its
 * own handle: SIGTERM for a clean stop, SIGKILL for a crash. A JVM shutdown hook kills it too,
 * so an aborted run leaves nothing behind.
 */
final class ChildProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private final Thread reaper;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.reaper = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Starts {@code java OPTIONS -jar JAR ARGS} with the same runtime as this JVM. */
  static ChildProcess java(String name, List<String> javaOptions, Path jar, List<String> args, Map<String, String> env,
      Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    return start(name, command, env, log);
  }

  static ChildProcess start(String name, List<String> command, Map<String, String> env, Path log) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // Settings of whatever else runs on this machine must not leak into the child.
    builder.environment().keySet().removeIf(k -> k.startsWith("FS_") || k.startsWith("KAFKA_") || k.startsWith("REDIS_")
        || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    builder.environment().putAll(env);
    try {
      Files.createDirectories(log.getParent());
      return new ChildProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
    }
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The end of its output, to explain a failure. */
  String outputTail(int maxChars) {
    String text = output();
    return text.length() > maxChars ? "…" + text.substring(text.length() - maxChars) : text;
  }

  void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited with " + process.exitValue() + "; " + log + " ends with:\n"
          + outputTail(3000));
    }
  }

  /** kill -9: no shutdown hook, no clean close. Returns once the process is gone. */
  void kill() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@code grace}; returns its exit code. */
  int stop(Duration grace) {
    if (process.isAlive()) {
      process.destroy();
      if (!awaitExit(grace)) {
        System.err.println("warning: " + name + " (pid " + process.pid() + ") did not stop within " + grace
            + " of SIGTERM; killing it");
        kill();
      }
    }
    return process.exitValue();
  }

  private boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return false;
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
