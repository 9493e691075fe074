package io.featurestore.simulator;

import io.featurestore.cli.Cli;
import io.featurestore.cli.KafkaOptions;
import io.featurestore.cli.RegistryOption;
import java.io.InputStream;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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
  public static final java.util.Set<String> ENVIRONMENT =
      Cli.environment(new EventSimulatorCli(InputStream.nullInputStream()));

  /** Where {@code send --json -} reads from; tests pass their own. */
  final InputStream stdin;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Kafka and registry, for every command, before or after it: {@code send --bootstrap-servers X login …}. */
  @Mixin
  KafkaOptions kafka = new KafkaOptions();

  @Mixin
  RegistryOption registry = new RegistryOption();

  EventSimulatorCli(InputStream stdin) {
    this.stdin = stdin;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.in, System.getenv()).execute(args));
  }

  public static CommandLine commandLine(InputStream stdin, Map<String, String> env) {
    return Cli.commandLine(new EventSimulatorCli(stdin), env);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run or send");
  }

  SimulatorSettings settings() {
    return new SimulatorSettings(kafka.bootstrapServers(), kafka.security(), registry.file());
  }
}
