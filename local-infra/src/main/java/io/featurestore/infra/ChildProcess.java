package io.featurestore.infra;

import io.featurestore.infra.junit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One child process (a broker, the stream processor, the serving API, a tool) with its output
 * in a log file. Only the process this object started is ever signalled, through its own handle:
 * SIGTERM for a clean stop, SIGKILL for a crash or when SIGTERM is not heeded. A JVM shutdown hook
 * stops it too, so an aborted run leaves nothing behind.
 */
public final class ChildProcess implements AutoCloseable {
  private final String name;
  private final Path log;
  private final Process process;
  private final Thread reaper = new Thread(() -> stop(Duration.ofSeconds(5)), "stop-child-process");
  private volatile double cpuSeconds;

  private ChildProcess(String name, ProcessBuilder builder, Path log) throws IOException {
    this.name = name;
    this.log = log;
    Files.createDirectories(log.toAbsolutePath().getParent());
    this.process = builder.start();
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** {@code java OPTIONS ARGS} on this JVM's runtime: ARGS is {@code -jar JAR …} or {@code -cp CLASSPATH MAIN …}. */
  public static ChildProcess java(String name, List<String> javaOptions, List<String> args, Map<String, String> env,
      Path log) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(javaOptions);
    command.addAll(args);
    return start(name, command, env, log);
  }

  /** {@code java OPTIONS -jar JAR ARGS}. */
  public static ChildProcess jar(String name, List<String> javaOptions, Path jar, List<String> args,
      Map<String, String> env, Path log) {
    List<String> all = new ArrayList<>(List.of("-jar", jar.toString()));
    all.addAll(args);
    return java(name, javaOptions, all, env, log);
  }

  /** Any command, with {@code env} on top of this process's environment; stdout and stderr go to {@code log}. */
  public static ChildProcess start(String name, List<String> command, Map<String, String> env, Path log) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // Settings of whatever else runs on this machine must not leak into the child.
    builder.environment().keySet().removeIf(k -> k.startsWith("FS_") || k.startsWith("KAFKA_") || k.startsWith("REDIS_")
        || k.startsWith("SERVING_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    builder.environment().putAll(env);
    try {
      return new ChildProcess(name, builder, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** Everything it has written so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The end of its output, to explain a failure. */
  public String outputTail(int maxChars) {
    String text = output();
    return text.length() > maxChars ? "…" + text.substring(text.length() - maxChars) : text;
  }

  public void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited with " + process.exitValue() + "; " + log + " ends with:\n"
          + outputTail(3000));
    }
  }

  /** Waits until {@code condition} holds (polled as {@link Await} does); fails at once if the process exits meanwhile. */
  public void await(String what, Duration timeout, BooleanSupplier condition) {
    await(what, timeout, Await.POLL, condition);
  }

  /** {@link #await(String, Duration, BooleanSupplier)}, polling every {@code poll}. */
  public void await(String what, Duration timeout, Duration poll, BooleanSupplier condition) {
    try {
      Await.until(what, timeout, poll, () -> !process.isAlive() || condition.getAsBoolean());
    } catch (AssertionError e) {
      throw new IllegalStateException(name + ": " + e.getMessage() + "; " + log + " ends with:\n" + outputTail(3000), e);
    }
    requireAlive();
  }

  /** Waits until its output contains {@code text}, e.g. its ready line. */
  public void awaitOutput(String text, Duration timeout) {
    await("'" + text + "' in " + log, timeout, () -> output().contains(text));
  }

  /** Waits until it exits by itself, sampling its CPU time meanwhile (see {@link #cpuSeconds()}); returns its exit code. */
  public int waitFor(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
        cpuSeconds();
        if (System.nanoTime() - deadline > 0) {
          kill();
          throw new IllegalStateException(name + " did not finish within " + timeout + "; killed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
    return process.exitValue();
  }

  /** CPU seconds it has used so far (all its threads); once it has exited, the last figure seen while it ran. */
  public double cpuSeconds() {
    process.toHandle().info().totalCpuDuration().ifPresent(d -> cpuSeconds = Math.max(cpuSeconds, d.toNanos() / 1e9));
    return cpuSeconds;
  }

  /**
   * CPU seconds by thread name (threads of the same name summed) from {@code /proc} (Linux;
   * empty elsewhere). Threads that have ended are not counted; names are cut to 15 characters.
   */
  public Map<String, Double> threadCpuSeconds() {
    Map<String, Double> threads = new TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended
        }
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).split(" ");
        // Fields after the name: state(0) ... utime(11) stime(12), in USER_HZ (100/s) ticks.
        threads.merge(stat.substring(stat.indexOf('(') + 1, close), (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0,
            Double::sum);
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return threads;
  }

  /** kill -9: no shutdown hook, no clean close. Returns once the process is gone. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@code grace}; returns its exit code. */
  public int stop(Duration grace) {
    if (process.isAlive()) {
      cpuSeconds();
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
