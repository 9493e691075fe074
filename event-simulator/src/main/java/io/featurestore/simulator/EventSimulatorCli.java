package io.featurestore.simulator;

import io.featurestore.core.InvalidInputException;
import java.io.InputStream;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The event simulator: {@code run} produces a realistic stream of logins and transactions,
 * {@code send} sends single events or JSON ones. Both write to {@code events.login} and
 * {@code events.transaction}, keyed by {@code user_id}. Exit codes: 0 done, 1 infrastructure
 * failure (Kafka unreachable, topics missing, events not acknowledged), 2 bad input.
 */
@Command(name = "event-simulator", mixinStandardHelpOptions = true, version = "event-simulator 0.1.0",
    description = "Produces login and transaction events to Kafka (topics events.login and events.transaction, "
        + "keyed by user_id).",
    subcommands = {RunCommand.class, SendCommand.class, TopicsCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 done, 1 infrastructure failure (Kafka unreachable, topics missing, events not "
        + "acknowledged), 2 bad input."})
public final class EventSimulatorCli implements Runnable {
  /** Every environment variable the simulator reads. */
  public static final java.util.Set<String> ENVIRONMENT = java.util.stream.Stream.concat(
      io.featurestore.core.StoreSettings.ENVIRONMENT.stream(), java.util.stream.Stream.of(SimulatorSettings.BOOTSTRAP_SERVERS))
      .collect(java.util.stream.Collectors.toUnmodifiableSet());

  static final int EXIT_INFRASTRUCTURE = 1;
  static final int EXIT_BAD_INPUT = 2;

  /** Where {@code send --json -} reads from; tests pass their own. */
  final InputStream stdin;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  EventSimulatorCli(InputStream stdin) {
    this.stdin = stdin;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.in).execute(args));
  }

  public static CommandLine commandLine(InputStream stdin) {
    return new CommandLine(new EventSimulatorCli(stdin))
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + e.getMessage());
          cmd.getErr().flush();
          return e instanceof InvalidInputException ? EXIT_BAD_INPUT : EXIT_INFRASTRUCTURE;
        });
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run or send");
  }

  /** Kafka and registry settings shared by every command; flags override the environment. */
  static final class ConnectionOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
        description = "Kafka brokers (env KAFKA_BOOTSTRAP_SERVERS; default localhost:9092).")
    String bootstrapServers;

    @Option(names = "--registry", paramLabel = "FILE",
        description = "Feature registry YAML whose id_pattern user ids must match (env FS_REGISTRY_FILE; "
            + "default: the bundled one).")
    Path registryFile;

    SimulatorSettings settings() {
      return SimulatorSettings.of(System.getenv(), bootstrapServers, registryFile);
    }

    /** For a subcommand: its own flags first, then those given to its parent ({@code send --bootstrap-servers X login}). */
    SimulatorSettings settings(ConnectionOptions parent) {
      return SimulatorSettings.of(System.getenv(), bootstrapServers != null ? bootstrapServers : parent.bootstrapServers,
          registryFile != null ? registryFile : parent.registryFile);
    }
  }
}
