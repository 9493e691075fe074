package io.featurestore.simulator;

import io.featurestore.events.Topics;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code topics}: the pipeline's topic names as the code uses them, for scripts that create them. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = "Prints the pipeline's Kafka topics, one per line (logins, transactions, dead letters); connects to nothing.")
final class TopicsCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    Topics.ALL.forEach(out::println);
    out.flush();
  }
}
