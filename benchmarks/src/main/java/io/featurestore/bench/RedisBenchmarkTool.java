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

  /** {@code REDIS_BENCHMARK}, else the redis-benchmark beside the redis-server that provide-redis.sh finds. */
  static RedisBenchmarkTool locate() {
    String configured = System.getenv(ENV);
    Path binary = configured != null && !configured.isBlank()
        ? Path.of(configured.trim())
        : RedisBinary.locate().resolveSibling("redis-benchmark");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no executable redis-benchmark at " + binary
          + " (set " + ENV + "=/path/to/redis-benchmark)");
    }
    return new RedisBenchmarkTool(binary);
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

  /** Runs one redis-benchmark test and returns its requests per second. */
  double requestsPerSecond(List<String> command) {
    String output;
    int exit;
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!process.waitFor(30, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("redis-benchmark did not finish within 30 minutes");
      }
      exit = process.exitValue();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running redis-benchmark", e);
    }
    // With -q it rewrites a progress line with \r; the final figure is the last match.
    Matcher m = RATE.matcher(output);
    String rate = null;
    while (m.find()) {
      rate = m.group(1);
    }
    if (exit != 0 || rate == null) {
      String tail = output.replace('\r', '\n').strip();
      tail = tail.length() > 600 ? "…" + tail.substring(tail.length() - 600) : tail;
      throw new IllegalStateException("redis-benchmark exited with " + exit + " without a rate: " + tail);
    }
    return Double.parseDouble(rate);
  }
}
