package io.featurestore.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} child process on a loopback port, without persistence unless
 * started with {@link #startPersistent}. Stopped by {@link #close()}, and by a JVM shutdown
 * hook as a safety net.
 */
public final class RedisServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);

  private final Process process;
  private final int port;
  private final Path logFile;

  private RedisServer(Process process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts a server on a free loopback port with the binary {@link RedisBinary#locate()} finds. */
  public static RedisServer start() {
    return start(RedisBinary.locate(), FreePorts.next());
  }

  public static RedisServer start(Path binary, int port) {
    try {
      return start(binary, port, Files.createTempDirectory("fs-redis-"), "no");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a directory for " + binary, e);
    }
  }

  /**
   * Starts a server that keeps its data set in an append-only file in {@code dir}: stopped
   * ({@link #close()}, a SIGTERM, which writes the file out) and started again on the same dir,
   * it has every write it acknowledged.
   */
  public static RedisServer startPersistent(Path binary, int port, Path dir) {
    return start(binary, port, dir, "yes");
  }

  private static RedisServer start(Path binary, int port, Path dir, String appendOnly) {
    try {
      Files.createDirectories(dir);
      Path logFile = dir.resolve("redis.log");
      List<String> command = new ArrayList<>(List.of(
          binary.toString(),
          "--port", Integer.toString(port),
          "--bind", "127.0.0.1",
          "--save", "",
          "--appendonly", appendOnly,
          "--dir", dir.toString(),
          "--logfile", logFile.toString()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile()).start();
      RedisServer server = new RedisServer(process, port, logFile);
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "redis-server-stop"));
      server.awaitReady(Duration.ofSeconds(20));
      LOG.info("redis-server ready on 127.0.0.1:{} ({})", port, binary);
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + binary, e);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see " + logFile);
      }
      if (answersPing()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for redis-server", e);
      }
    }
    close();
    throw new IllegalStateException("redis-server did not answer PING on port " + port + " within " + timeout);
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] reply = new byte[7];
      int n = socket.getInputStream().read(reply);
      return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public Path logFile() {
    return logFile;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
