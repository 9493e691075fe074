package io.featurestore.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code benchmarks.jar}: one subcommand per benchmark. These are
 * measurement programs, not tests: they print figures and PASS/MISS against the targets,
 * and exit 0 either way (non-zero only when the measurement itself could not run).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "bench 0.1.0",
    description = "Benchmarks of the feature store against a real Redis and Kafka.",
    subcommands = {BulkLoadBenchmark.class, ProcessorThroughputBenchmark.class, FreshnessBenchmark.class,
        HotUserBenchmark.class, ServingBenchmark.class, CommandLine.HelpCommand.class})
public final class BenchCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine(new BenchCli()).execute(args));
  }

  static CommandLine commandLine(Object command) {
    return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + e.getMessage());
      return 1;
    });
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "name a benchmark: bulk-load, processor-throughput, freshness, hot-user, serving");
  }
}
