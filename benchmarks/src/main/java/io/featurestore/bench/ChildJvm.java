package io.featurestore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Java child process of a benchmark (the Kafka broker, the stream processor), with its
 * output in a log file, its CPU time, and a clean stop (SIGTERM, then SIGKILL after a grace
 * period). Only the process this object started is ever signalled, by its own handle.
 */
class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private double lastCpuSeconds;

  ChildJvm(String name, List<String> javaOptions, List<String> mainAndArgs, Map<String, String> env, Path log) {
    this.name = name;
    this.log = log;
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(javaOptions);
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // Settings of whatever else runs on this machine must not leak into the child.
    builder.environment().keySet().removeIf(k -> k.startsWith("FS_") || k.startsWith("KAFKA_") || k.equals("REDIS_URL")
        || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    builder.environment().putAll(env);
    try {
      Files.createDirectories(log.getParent());
      this.process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
    }
  }

  /** The java binary of this JVM, so the children run on the same runtime. */
  static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** CPU seconds the process has used so far (all its threads); the last known figure once it has exited. */
  double cpuSeconds() {
    double cpu = process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(lastCpuSeconds);
    lastCpuSeconds = Math.max(lastCpuSeconds, cpu);
    return lastCpuSeconds;
  }

  /**
   * CPU seconds per thread group of this JVM so far, from /proc (Linux; empty elsewhere):
   * Kafka Streams' threads (named after the application id, {@code appPrefix}), Kafka client
   * network threads, GC, JIT compilers, and the rest. Threads that have ended are not counted.
   */
  Map<String, Double> threadCpuSeconds(String appPrefix) {
    Map<String, Double> groups = new java.util.TreeMap<>();
    Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
    try (var dirs = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) dirs::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String comm = stat.substring(open + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        // Fields after the name: state(0) ... utime(11) stime(12), in USER_HZ (100/s) ticks.
        double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        groups.merge(threadGroup(comm, appPrefix), seconds, Double::sum);
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return groups;
  }

  static String threadGroup(String comm, String appPrefix) {
    String prefix = appPrefix.length() > 15 ? appPrefix.substring(0, 15) : appPrefix;
    if (!prefix.isEmpty() && comm.startsWith(prefix)) {
      return "streams";
    }
    if (comm.startsWith("kafka-producer") || comm.startsWith("kafka-coordinat") || comm.startsWith("kafka-admin")) {
      return "kafka-clients";
    }
    if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
      return "gc";
    }
    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
      return "jit";
    }
    return "other";
  }

  Path log() {
    return log;
  }

  /** The end of its output, to explain a failure. */
  String logTail(int maxChars) {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() > maxChars ? "…" + text.substring(text.length() - maxChars) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its output ends with:\n"
          + logTail(3000));
    }
  }

  /** SIGTERM, and SIGKILL if it has not exited after {@code graceSeconds}. */
  void stop(long graceSeconds) {
    if (!process.isAlive()) {
      return;
    }
    cpuSeconds();
    process.destroy();
    try {
      if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
        System.err.println("warning: " + name + " (pid " + process.pid() + ") did not stop within " + graceSeconds
            + " s of SIGTERM; killing it");
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  @Override
  public void close() {
    stop(40);
  }
}
