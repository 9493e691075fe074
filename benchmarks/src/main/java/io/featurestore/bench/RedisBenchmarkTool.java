package io.featurestore.bench;

import io.featurestore.infra.RedisBinary;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Redis' own {@code redis-benchmark} as a child process and parses its rate: the raw
 * figure of the server that a client-side path is compared with.
 */
final class RedisBenchmarkTool {
  static final String ENV = "REDIS_BENCHMARK";
  private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?) requests per second");

  private final Path binary;

  private RedisBenchmarkTool(Path binary) {
    this.binary = binary;
  }

  Path binary() {
    return binary;
  }

  /** {@code REDIS_BENCHMARK}, else the redis-benchmark beside {@link #redisServer()}. */
  static RedisBenchmarkTool locate() {
    String configured = System.getenv(ENV);
    Path binary = configured != null && !configured.isBlank()
        ? Path.of(configured.trim())
        : redisServer().resolveSibling("redis-benchmark");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no executable redis-benchmark at " + binary
          + " (set " + ENV + "=/path/to/redis-benchmark)");
    }
    return new RedisBenchmarkTool(binary);
  }

  /**
   * The redis-server binary: {@code REDIS_SERVER} as it is (so the jar also runs outside the
   * checkout), else what scripts/provide-redis.sh provides.
   */
  static Path redisServer() {
    String configured = System.getenv("REDIS_SERVER");
    return configured != null && !configured.isBlank() ? Path.of(configured.trim()) : RedisBinary.locate();
  }

  /** The command line for {@code redisUrl}: host, port, user/password and db from the URL, then {@code args}. */
  List<String> command(String redisUrl, List<String> args) {
    URI uri = URI.create(redisUrl);
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("-h");
    command.add(uri.getHost() == null ? "127.0.0.1" : uri.getHost());
    command.add("-p");
    command.add(Integer.toString(uri.getPort() < 0 ? 6379 : uri.getPort()));
    if (uri.getUserInfo() != null && !uri.getUserInfo().isEmpty()) {
      String[] userInfo = uri.getUserInfo().split(":", 2);
      if (userInfo.length == 2) {
        if (!userInfo[0].isEmpty()) {
          command.add("--user");
          command.add(userInfo[0]);
        }
        command.add("-a");
        command.add(userInfo[1]);
      } else {
        command.add("-a");
        command.add(userInfo[0]);
      }
    }
    String path = uri.getPath();
    if (path != null && path.length() > 1) {
      command.add("--dbnum");
      command.add(path.substring(1));
    }
    command.addAll(args);
    return command;
  }

  /** One redis-benchmark test: its rate, and the CPU time its own process used (sampled every 20 ms). */
  record Result(double requestsPerSecond, double cpuSeconds, double wallSeconds) {}

  /** Runs one redis-benchmark test and returns its requests per second. */
  Result run(List<String> command) {
    StringBuilder output = new StringBuilder();
    int exit;
    double cpuSeconds = 0;
    long start = System.nanoTime();
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (InputStream in = process.getInputStream()) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          synchronized (output) {
            output.append(text);
          }
        } catch (IOException e) {
          // the exit code and the missing rate report it
        }
      }, "redis-benchmark-output");
      reader.setDaemon(true);
      reader.start();
      long deadline = start + TimeUnit.MINUTES.toNanos(30);
      while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
        cpuSeconds = process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(cpuSeconds);
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IllegalStateException("redis-benchmark did not finish within 30 minutes");
        }
      }
      exit = process.exitValue();
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running redis-benchmark", e);
    }
    double wallSeconds = (System.nanoTime() - start) / 1e9;
    String text;
    synchronized (output) {
      text = output.toString();
    }
    // With -q it rewrites a progress line with \r; the final figure is the last match.
    Matcher m = RATE.matcher(text);
    String rate = null;
    while (m.find()) {
      rate = m.group(1);
    }
    if (exit != 0 || rate == null) {
      String tail = text.replace('\r', '\n').strip();
      tail = tail.length() > 600 ? "…" + tail.substring(tail.length() - 600) : tail;
      throw new IllegalStateException("redis-benchmark exited with " + exit + " without a rate: " + tail);
    }
    return new Result(Double.parseDouble(rate), cpuSeconds, wallSeconds);
  }
}
