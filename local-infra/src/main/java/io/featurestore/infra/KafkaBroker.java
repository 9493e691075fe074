package io.featurestore.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one node,
 * {@code node.id=1}) running inside this JVM on loopback.
 *
 * <p>Automatic topic creation is off: create topics with {@link #createTopics}. A broker
 * without a given data dir keeps its data in a temporary folder that {@link #close()}
 * deletes; a given data dir is formatted once and reused by later starts. {@link #close()}
 * also runs from a JVM shutdown hook, as a safety net.
 *
 * <p>With {@link Options#withSaslPlain}, a second listener on another free loopback port takes
 * SASL/PLAIN over plain TCP ({@code SASL_PLAINTEXT}) for one user and password, the way a managed
 * Kafka asks clients to log in; the first listener stays open without authentication, for the
 * broker itself and for test fixtures.
 *
 * <p>Kafka treats some faults during start-up as fatal and halts the whole JVM: a taken
 * controller port does, for one. So ports are picked free, or checked free, just before the start.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final String HOST = "127.0.0.1";

  private final KafkaRaftServer server;
  private final int port;
  private final int controllerPort;
  private final int saslPort;
  private final Path dataDir;
  private final boolean temporary;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private KafkaBroker(KafkaRaftServer server, int port, int controllerPort, int saslPort, Path dataDir,
      boolean temporary) {
    this.server = server;
    this.port = port;
    this.controllerPort = controllerPort;
    this.saslPort = saslPort;
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.shutdownHook = new Thread(this::close, "kafka-broker-stop-" + port);
  }

  /** Starts a broker on free loopback ports with a temporary data dir. */
  public static KafkaBroker start() {
    return start(Options.defaults());
  }

  public static KafkaBroker start(Options options) {
    long started = System.nanoTime();
    int port = options.port() > 0 ? requireFree(options.port(), "port") : FreePorts.next();
    int controllerPort = options.controllerPort() > 0
        ? requireFree(options.controllerPort(), "controller port") : freePortOtherThan(port);
    int saslPort = options.saslUser() == null ? 0 : options.saslPort() > 0
        ? requireFree(options.saslPort(), "SASL port") : freePortOtherThan(port, controllerPort);
    boolean temporary = options.dataDir() == null;
    Path dataDir = temporary ? createTempDir() : createDirs(options.dataDir().toAbsolutePath());
    Properties props = brokerProperties(port, controllerPort, dataDir, options.properties());
    if (options.saslUser() != null) {
      addSaslPlainListener(props, port, controllerPort, saslPort, options.saslUser());
    }
    KafkaRaftServer server = null;
    try {
      formatOnce(dataDir, props);
      server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
    } catch (RuntimeException e) {
      if (server != null) {
        server.shutdown();
      }
      if (temporary) {
        delete(dataDir);
      }
      throw new IllegalStateException("cannot start a Kafka broker on " + HOST + ":" + port
          + " (controller " + controllerPort + ", data " + dataDir + ")", e);
    }
    KafkaBroker broker = new KafkaBroker(server, port, controllerPort, saslPort, dataDir, temporary);
    Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
    broker.awaitReady(READY_TIMEOUT);
    LOG.info("Kafka broker started on {} in {} ms (controller port {}{}, data in {})", broker.bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), controllerPort,
        saslPort > 0 ? ", SASL/PLAIN for user " + options.saslUser().username() + " on port " + saslPort : "", dataDir);
    return broker;
  }

  /** The second listener: SASL_PLAINTEXT with the PLAIN mechanism and one user; the broker's own traffic stays on PLAINTEXT. */
  private static void addSaslPlainListener(Properties props, int port, int controllerPort, int saslPort, SaslUser user) {
    props.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort
        + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
    props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + user.username() + "=\""
            + user.password() + "\";");
  }

  /**
   * The JAAS line a client logs in with as {@code user} over SASL/PLAIN, for
   * {@code sasl.jaas.config} (or {@code KAFKA_SASL_JAAS_CONFIG}).
   */
  public static String plainLoginLine(String username, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + username
        + "\" password=\"" + password + "\";";
  }

  private static Properties brokerProperties(int port, int controllerPort, Path dataDir, Map<String, String> extra) {
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
    props.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", dataDir.toString());
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("default.replication.factor", "1");
    props.put("min.insync.replicas", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.putAll(extra);
    return props;
  }

  /**
   * Formats the data dir once. A formatted dir is left alone: formatting it again, even with
   * {@code --ignore-formatted}, fails unless the cluster id matches the one it holds.
   */
  private static void formatOnce(Path dataDir, Properties props) {
    if (Files.exists(dataDir.resolve("meta.properties"))) {
      return;
    }
    Path config = writeTempConfig(props);
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int status;
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      status = StorageTool.execute(new String[] {
          "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(), "--standalone"}, print);
    } catch (Exception e) { // Scala code may throw checked exceptions it does not declare
      throw new IllegalStateException("kafka-storage format of " + dataDir + " failed: " + e.getMessage(), e);
    } finally {
      config.toFile().delete();
    }
    String text = output.toString(StandardCharsets.UTF_8).trim();
    if (status != 0) {
      throw new IllegalStateException("kafka-storage format of " + dataDir + " exited with " + status + ": " + text);
    }
    LOG.debug("kafka-storage format: {}", text);
  }

  private static Path writeTempConfig(Properties props) {
    try {
      Path config = Files.createTempFile("fs-kafka-", ".properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, "in-process Kafka broker");
      }
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the broker configuration for kafka-storage format", e);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    try (Admin admin = Admin.create(adminProperties(bootstrapServers()))) {
      while (System.nanoTime() < deadline) {
        try {
          Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(1_000)).nodes().get();
          if (!nodes.isEmpty()) {
            return;
          }
        } catch (ExecutionException e) {
          last = e;
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker on " + bootstrapServers(), e);
    }
    close();
    throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " did not answer describeCluster within "
        + timeout + " (data in " + dataDir + ")", last);
  }

  static Map<String, Object> adminProperties(String bootstrapServers) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    return props;
  }

  /**
   * Creates the topics with {@code partitions} partitions each (topics that exist already are
   * kept as they are) and returns once every partition has a leader that serves it.
   */
  public void createTopics(int partitions, String... names) {
    KafkaTopics.create(bootstrapServers(), partitions, names);
  }

  /** {@code 127.0.0.1:PORT}. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT} of the SASL/PLAIN listener; only for a broker started {@link Options#withSaslPlain}. */
  public String saslBootstrapServers() {
    if (saslPort == 0) {
      throw new IllegalStateException("the broker on " + bootstrapServers() + " has no SASL listener");
    }
    return HOST + ":" + saslPort;
  }

  public int controllerPort() {
    return controllerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this may be the hook itself
    }
    long started = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    if (temporary) {
      delete(dataDir);
    }
    LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static int requireFree(int port, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(HOST, port));
      return port;
    } catch (IOException e) {
      throw new IllegalStateException("Kafka " + what + " " + HOST + ":" + port + " is in use (" + e.getMessage() + ")", e);
    }
  }

  private static int freePortOtherThan(int... taken) {
    while (true) {
      int port = FreePorts.next();
      if (java.util.Arrays.stream(taken).noneMatch(t -> t == port)) {
        return port;
      }
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("fs-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary Kafka data dir", e);
    }
  }

  private static Path createDirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Kafka data dir " + dir, e);
    }
  }

  private static void delete(Path dir) {
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  /**
   * One SASL/PLAIN user of the broker's SASL listener. Names and passwords are kept to letters,
   * digits and {@code . _ -}, so they need no quoting in a JAAS line; {@code toString} hides the password.
   */
  public record SaslUser(String username, String password) {
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");

    public SaslUser {
      if (!PLAIN.matcher(username).matches() || !PLAIN.matcher(password).matches()) {
        throw new IllegalArgumentException("SASL user name and password must be letters, digits, '.', '_' or '-'");
      }
    }

    @Override
    public String toString() {
      return "SaslUser[" + username + ", password hidden]";
    }
  }

  /**
   * How to start a broker: {@code 0} ports are picked free, a {@code null} data dir is a
   * temporary one, {@code properties} override the broker settings, and a {@code saslUser}
   * (none when {@code null}) opens a SASL/PLAIN listener on {@code saslPort}.
   */
  public record Options(int port, int controllerPort, Path dataDir, Map<String, String> properties, int saslPort,
      SaslUser saslUser) {
    public Options {
      properties = Map.copyOf(properties);
    }

    public static Options defaults() {
      return new Options(0, 0, null, Map.of(), 0, null);
    }

    public Options withPort(int port) {
      return new Options(port, controllerPort, dataDir, properties, saslPort, saslUser);
    }

    public Options withControllerPort(int controllerPort) {
      return new Options(port, controllerPort, dataDir, properties, saslPort, saslUser);
    }

    public Options withDataDir(Path dataDir) {
      return new Options(port, controllerPort, dataDir, properties, saslPort, saslUser);
    }

    public Options withProperty(String key, String value) {
      Map<String, String> merged = new LinkedHashMap<>(properties);
      merged.put(key, value);
      return new Options(port, controllerPort, dataDir, merged, saslPort, saslUser);
    }

    /** A SASL_PLAINTEXT listener (mechanism PLAIN) for this one user, on a free port unless {@link #withSaslPort}. */
    public Options withSaslPlain(String username, String password) {
      return new Options(port, controllerPort, dataDir, properties, saslPort, new SaslUser(username, password));
    }

    public Options withSaslPort(int saslPort) {
      return new Options(port, controllerPort, dataDir, properties, saslPort, saslUser);
    }
  }
}
