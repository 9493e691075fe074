package io.featurestore.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} child process on a loopback port, without persistence unless
 * started with {@link #startPersistent}. Stopped by {@link #close()} (SIGTERM), and by a JVM
 * shutdown hook as a safety net.
 */
public final class RedisServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);

  private final ChildProcess process;
  private final int port;
  private final Path logFile;
  /** The temporary folder made for this server (logs, cluster state), removed by {@link #close()}; null for a caller's. */
  private Path ownDir;

  private RedisServer(ChildProcess process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts a server on a free loopback port with the binary {@link RedisBinary#locate()} finds. */
  public static RedisServer start() {
    return start(RedisBinary.locate(), FreePorts.next());
  }

  public static RedisServer start(Path binary, int port) {
    return start(binary, port, List.of());
  }

  /** Starts a server without persistence, with further {@code redis-server} arguments ({@code --cluster-enabled yes}, TLS, ACLs). */
  public static RedisServer start(Path binary, int port, List<String> extraArgs) {
    Path dir;
    try {
      dir = Files.createTempDirectory("fs-redis-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a directory for " + binary, e);
    }
    RedisServer server = start(binary, port, dir, "no", extraArgs); // a failed start keeps its log, named in the error
    server.ownDir = dir;
    return server;
  }

  /**
   * Starts a server that listens only with TLS, on {@code tlsPort} ({@code extraArgs} carry the
   * {@code --tls-port} and certificate settings); {@link #port()} is that TLS port.
   */
  public static RedisServer startTlsOnly(Path binary, int tlsPort, List<String> extraArgs) {
    RedisServer plain = start(binary, 0, extraArgs);
    RedisServer tls = new RedisServer(plain.process, tlsPort, plain.logFile);
    tls.ownDir = plain.ownDir;
    return tls;
  }

  /**
   * Starts a server that keeps its data set in an append-only file in {@code dir}: stopped
   * ({@link #close()}, a SIGTERM, which writes the file out) and started again on the same dir,
   * it has every write it acknowledged.
   */
  public static RedisServer startPersistent(Path binary, int port, Path dir) {
    return start(binary, port, dir, "yes", List.of());
  }

  private static RedisServer start(Path binary, int port, Path dir, String appendOnly, List<String> extraArgs) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + dir + " for " + binary, e);
    }
    Path logFile = dir.resolve("redis.log");
    List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly, "--dir", dir.toString(),
        "--logfile", logFile.toString()));
    command.addAll(extraArgs);
    ChildProcess process = ChildProcess.start("redis-server", command, Map.of(), dir.resolve("stdout.log"));
    RedisServer server = new RedisServer(process, port, logFile);
    // A TLS-only server (--port 0) is judged by its log: a plain PING cannot reach it.
    BooleanSupplier ready = port == 0 ? () -> logSays(logFile, "Ready to accept connections") : server::answersPing;
    try {
      process.await("redis-server to be ready" + (port == 0 ? "" : " on port " + port), Duration.ofSeconds(20),
          Duration.ofMillis(20), ready);
    } catch (RuntimeException e) {
      process.close();
      throw new IllegalStateException(e.getMessage() + "; see " + logFile, e);
    }
    LOG.info("redis-server ready on 127.0.0.1:{} ({})", port, binary);
    return server;
  }

  private static boolean logSays(Path log, String text) {
    try {
      return Files.exists(log) && Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
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
      String answer = n > 0 ? new String(reply, 0, n, StandardCharsets.US_ASCII) : "";
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"); // up, and perhaps wanting a password
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

  /** Kills the server at once (SIGKILL), as a crash would: no shutdown, no last write. */
  public void kill() {
    process.kill();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the server (SIGTERM) and removes its temporary folder, if it made one. */
  @Override
  public void close() {
    process.close();
    if (ownDir != null) {
      try {
        Utils.delete(ownDir.toFile());
      } catch (IOException e) {
        LOG.warn("cannot remove {}: {}", ownDir, e.getMessage());
      }
    }
  }
}
