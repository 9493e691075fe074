package io.featurestore.infra;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link KafkaBroker} as its own process, for a local stack without Docker. The data
 * dir is formatted on the first start and reused afterwards; SIGTERM stops the broker cleanly
 * through its shutdown hook.
 */
public final class KafkaBrokerMain {
  static {
    // Before the first logger exists: a broker at DEBUG writes megabytes a minute.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "kafka-broker-logback.xml");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerMain.class);

  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: KafkaBrokerMain [--port N] [--controller-port N] [--data-dir DIR] [--topics T1,T2,...] [--partitions N]",
      "                      [--sasl-port N [--sasl-user NAME]] [--group-join-delay-ms N]",
      "       KafkaBrokerMain --ready [--port N] [--topics T1,T2,...]",
      "Runs a single-node Kafka broker (KRaft, broker and controller) on 127.0.0.1 until stopped.",
      "  --port N             client port (env KAFKA_PORT, default 9092)",
      "  --controller-port N  KRaft controller port (env KAFKA_CONTROLLER_PORT, default 9093)",
      "  --data-dir DIR       data kept across restarts, formatted once (env KAFKA_DATA_DIR, default ./data/kafka)",
      "  --topics T1,T2,...   topics to create when missing, e.g. events.login,events.transaction,events.dlq",
      "  --partitions N       partitions of each new topic (env FS_TOPIC_PARTITIONS, default 3)",
      "  --sasl-port N        also a SASL_PLAINTEXT listener (mechanism PLAIN) on this port (env KAFKA_SASL_PORT,",
      "                       default none), for one user whose password is in the env KAFKA_SASL_PASSWORD",
      "  --sasl-user NAME     that user (env KAFKA_SASL_USER, default feature-store)",
      "  --group-join-delay-ms N  a new consumer group's first rebalance waits this long for more members",
      "                       (group.initial.rebalance.delay.ms; default 0, Kafka's own is 3000)",
      "  --ready              start nothing; ask the broker on --port: exit 0 and print 'records N' (the records",
      "                       in --topics) and 'partitions P' (the fewest partitions of any of them) once it",
      "                       serves every partition of them, exit 1 and the reason if not",
      "  --help               print this help",
      "Options also take the form --name=value; an option beats its environment variable.",
      "Logs at INFO (Kafka itself at WARN) to stdout; -Dlogback.configurationFile=FILE replaces that.");

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private KafkaBrokerMain() {}

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println(USAGE);
      return;
    }
    List<String> arguments = new ArrayList<>(Arrays.asList(args));
    boolean probe = arguments.remove("--ready");
    Settings settings;
    try {
      settings = Settings.parse(arguments.toArray(String[]::new), System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("KafkaBrokerMain: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (probe) {
      System.exit(probe(settings));
    }
    try {
      run(settings);
    } catch (RuntimeException e) {
      LOG.error("Kafka broker failed: {}", e.getMessage(), e);
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The local stack's readiness check of the broker it started (and of the events arriving in it). */
  private static int probe(Settings settings) {
    try {
      String bootstrap = "127.0.0.1:" + settings.port();
      String[] topics = settings.topics().toArray(String[]::new);
      System.out.println("records " + KafkaTopics.awaitServed(bootstrap, PROBE_TIMEOUT, topics));
      if (topics.length > 0) {
        System.out.println("partitions " + KafkaTopics.partitionCounts(bootstrap, PROBE_TIMEOUT, topics).values().stream()
            .mapToInt(Integer::intValue).min().orElse(0));
      }
      return 0;
    } catch (RuntimeException e) {
      System.err.println("not ready: " + e.getMessage());
      return 1;
    }
  }

  private static void run(Settings settings) throws InterruptedException {
    KafkaBroker.Options options = KafkaBroker.Options.defaults()
        .withPort(settings.port())
        .withControllerPort(settings.controllerPort())
        .withDataDir(settings.dataDir())
        .withProperty("group.initial.rebalance.delay.ms", Integer.toString(settings.groupJoinDelayMs()));
    if (settings.saslUser().isPresent()) {
      options = options.withSaslPort(settings.saslPort())
          .withSaslPlain(settings.saslUser().get().username(), settings.saslUser().get().password());
    }
    KafkaBroker broker = KafkaBroker.start(options);
    if (!settings.topics().isEmpty()) {
      broker.createTopics(settings.partitions(), settings.topics().toArray(String[]::new));
      LOG.info("Topics {} ready (new ones with {} partitions)", settings.topics(), settings.partitions());
    }
    LOG.info("Kafka broker ready on {}", broker.bootstrapServers());
    // Runs until SIGTERM or SIGINT; the broker's own shutdown hook then stops it cleanly.
    Thread.currentThread().join();
  }

  /** {@code saslUser} is present exactly when {@code saslPort} is not 0; its password comes only from the environment. */
  record Settings(int port, int controllerPort, Path dataDir, List<String> topics, int partitions, int saslPort,
      Optional<KafkaBroker.SaslUser> saslUser, int groupJoinDelayMs) {
    static Settings parse(String[] args, Map<String, String> env) {
      Map<String, String> options = new HashMap<>();
      options.put("--port", env.getOrDefault("KAFKA_PORT", "9092"));
      options.put("--controller-port", env.getOrDefault("KAFKA_CONTROLLER_PORT", "9093"));
      options.put("--data-dir", env.getOrDefault("KAFKA_DATA_DIR", "./data/kafka"));
      options.put("--topics", "");
      options.put("--partitions", env.getOrDefault(KafkaTopics.PARTITIONS_VARIABLE,
          Integer.toString(KafkaTopics.DEFAULT_PARTITIONS)));
      options.put("--sasl-port", env.getOrDefault("KAFKA_SASL_PORT", ""));
      options.put("--sasl-user", env.getOrDefault("KAFKA_SASL_USER", "feature-store"));
      options.put("--group-join-delay-ms", "0");
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
        String name = eq > 0 ? arg.substring(0, eq) : arg;
        if (!options.containsKey(name)) {
          throw new IllegalArgumentException("unknown option " + name);
        }
        if (eq > 0) {
          options.put(name, arg.substring(eq + 1));
        } else if (i + 1 < args.length) {
          options.put(name, args[++i]);
        } else {
          throw new IllegalArgumentException(name + " needs a value");
        }
      }
      String dataDir = options.get("--data-dir");
      String rawSaslPort = options.get("--sasl-port");
      int saslPort = rawSaslPort.isBlank() ? 0 : number("SASL port", rawSaslPort, 1, 65_535);
      Settings settings = new Settings(
          number("port", options.get("--port"), 1, 65_535),
          number("controller port", options.get("--controller-port"), 1, 65_535),
          Path.of(dataDir.isBlank() ? "./data/kafka" : dataDir).toAbsolutePath().normalize(),
          names(options.get("--topics")),
          number("partitions", options.get("--partitions"), 1, 10_000),
          saslPort,
          saslPort == 0 ? Optional.empty() : Optional.of(saslUser(options.get("--sasl-user"), env)),
          number("group join delay", options.get("--group-join-delay-ms"), 0, 300_000));
      if (settings.port() == settings.controllerPort()) {
        throw new IllegalArgumentException("port and controller port must differ, both are " + settings.port());
      }
      if (saslPort == settings.port() || saslPort == settings.controllerPort()) {
        throw new IllegalArgumentException("the SASL port must differ from the port and the controller port, not "
            + saslPort);
      }
      return settings;
    }

    private static int number(String what, String raw, int min, int max) {
      try {
        int value = Integer.parseInt(raw.trim());
        if (value >= min && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(what + " must be a number from " + min + " to " + max + ", not '" + raw + "'");
    }

    private static KafkaBroker.SaslUser saslUser(String name, Map<String, String> env) {
      String password = env.getOrDefault("KAFKA_SASL_PASSWORD", "");
      if (password.isBlank()) {
        throw new IllegalArgumentException("--sasl-port needs the user's password in the environment variable "
            + "KAFKA_SASL_PASSWORD");
      }
      return new KafkaBroker.SaslUser(name.trim(), password.trim());
    }

    private static List<String> names(String commaSeparated) {
      List<String> names = new ArrayList<>();
      for (String name : commaSeparated.split(",")) {
        if (!name.isBlank()) {
          names.add(name.trim());
        }
      }
      return List.copyOf(names);
    }
  }
}
