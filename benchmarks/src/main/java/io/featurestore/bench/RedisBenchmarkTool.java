package io.featurestore.bench;

import io.featurestore.infra.ChildProcess;
import io.featurestore.infra.RedisBinary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Runs Redis' own {@code redis-benchmark} as a child process and reads its figures: the raw rate
 * (and latency) of the server that a client-side path is compared with.
 */
final class RedisBenchmarkTool {
  static final String ENV = "REDIS_BENCHMARK";
  private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?) requests per second");
  /** Its latency summary: avg, min, p50, p95, p99, max. */
  private static final Pattern SUMMARY = Pattern.compile("avg\\s+min\\s+p50\\s+p95\\s+p99\\s+max\\s*\\n\\s*"
      + "([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s*([0-9.]+)% <= ([0-9.]+) milliseconds");

  private final Path binary;

  private RedisBenchmarkTool(Path binary) {
    this.binary = binary;
  }

  /** {@code REDIS_BENCHMARK}, else the redis-benchmark beside {@link #redisServer()}. */
  static RedisBenchmarkTool locate() {
    String configured = System.getenv(ENV);
    Path binary = configured != null && !configured.isBlank() ? Path.of(configured.trim())
        : redisServer().resolveSibling("redis-benchmark");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no executable redis-benchmark at " + binary + " (set " + ENV + "=PATH)");
    }
    return new RedisBenchmarkTool(binary);
  }

  /** {@code REDIS_SERVER} as it is (so the jar also runs outside the checkout), else what scripts/provide-redis.sh provides. */
  static Path redisServer() {
    String configured = System.getenv("REDIS_SERVER");
    return configured != null && !configured.isBlank() ? Path.of(configured.trim()) : RedisBinary.locate();
  }

  /** The command line for {@code redisUrl}: host, port, user/password and db from the URL, then {@code args}. */
  List<String> command(String redisUrl, List<String> args) {
    URI uri = URI.create(redisUrl);
    HostAndPort address = JedisURIHelper.getHostAndPort(uri);
    int port = address.getPort() < 0 ? Protocol.DEFAULT_PORT : address.getPort();
    List<String> command = new ArrayList<>(List.of(binary.toString(), "-h", address.getHost(), "-p", Integer.toString(port)));
    if (JedisURIHelper.getUser(uri) != null) {
      command.addAll(List.of("--user", JedisURIHelper.getUser(uri)));
    }
    if (JedisURIHelper.getPassword(uri) != null) {
      command.addAll(List.of("-a", JedisURIHelper.getPassword(uri)));
    }
    if (JedisURIHelper.hasDbIndex(uri)) {
      command.addAll(List.of("--dbnum", Integer.toString(JedisURIHelper.getDBIndex(uri))));
    }
    command.addAll(args);
    return command;
  }

  /** {@code command} as it may be printed: its password hidden. */
  static String shown(List<String> command) {
    List<String> shown = new ArrayList<>(command);
    int password = shown.indexOf("-a");
    if (password >= 0) {
      shown.set(password + 1, "***");
    }
    return String.join(" ", shown);
  }

  /** What one redis-benchmark test printed, and the CPU time of its own process (sampled every 20 ms). */
  record Result(String output, double cpuSeconds, double wallSeconds) {
    /** Its rate; with {@code -q} it rewrites a progress line, so the final figure is the last one. */
    double requestsPerSecond() {
      Matcher m = RATE.matcher(output);
      String rate = null;
      while (m.find()) {
        rate = m.group(1);
      }
      return Double.parseDouble(rate);
    }

    /**
     * Latency in ms from its full output: p50, p99 and max from its summary, p99.9 the first line
     * of its percentile distribution at or above 99.9 % (an upper bound).
     */
    double[] latency() {
      Matcher summary = SUMMARY.matcher(output);
      if (!summary.find()) {
        throw new IllegalStateException("no latency summary in redis-benchmark's output: " + tail(output));
      }
      double p999 = Double.NaN;
      for (Matcher p = PERCENTILE.matcher(output); p.find() && Double.isNaN(p999); ) {
        p999 = Double.parseDouble(p.group(1)) >= 99.9 ? Double.parseDouble(p.group(2)) : Double.NaN;
      }
      return new double[] {Double.parseDouble(summary.group(3)), Double.parseDouble(summary.group(5)), p999,
          Double.parseDouble(summary.group(6))};
    }
  }

  Result run(List<String> command) {
    Path log;
    try {
      log = Files.createTempFile("fs-bench-redis-benchmark-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long start = System.nanoTime();
    try (ChildProcess child = ChildProcess.start("redis-benchmark", command, Map.of(), log)) {
      int exit = child.waitFor(Duration.ofMinutes(30));
      double wallSeconds = (System.nanoTime() - start) / 1e9;
      String text = child.output().replace('\r', '\n');
      if (exit != 0 || !RATE.matcher(text).find()) {
        throw new IllegalStateException("redis-benchmark exited with " + exit + " without a rate: " + tail(text));
      }
      return new Result(text, child.cpuSeconds(), wallSeconds);
    } finally {
      Workspace.delete(log);
    }
  }

  private static String tail(String text) {
    String tail = text.strip();
    return tail.length() > 600 ? "…" + tail.substring(tail.length() - 600) : tail;
  }
}
