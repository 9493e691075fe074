package io.featurestore.simulator;

import io.featurestore.cli.Cli;
import io.featurestore.cli.Durations;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import io.featurestore.population.Merchants;
import io.featurestore.population.Population;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code run}: a paced, realistic event stream until a count, a duration, or SIGTERM/SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Produces a realistic stream of logins (~30%%) and transactions (~70%%) for users u0001…uN at a "
        + "steady rate, with occasional fraud-like bursts, until --count events, --duration, or Ctrl-C / SIGTERM.",
        "Event time (ts) is the wall clock. Users, home countries and devices follow --seed: use the seed the "
            + "materializer loaded, so events and batch features describe the same users.",
        "Transactions go to merchants m0001…mM (--merchants), a few busy and most quiet (Zipf's law over a ranking "
            + "drawn from --seed): the materializer's synthetic merchants for the same count.",
        "A broker restart of up to a minute loses no event: sends wait for the broker (the rate dips meanwhile), then "
            + "the stream resumes at its rate.",
        "Logs the achieved rate every 5 s (stderr) and prints a summary (stdout) at the end."})
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  static final int MAX_USERS = 10_000_000;
  /** The popularity table holds two ints and two doubles per merchant: 24 MB at this many. */
  static final int MAX_MERCHANTS = 1_000_000;
  static final String MERCHANTS = "FS_MERCHANTS";
  static final double MAX_RATE = 1_000_000;
  /**
   * How long the shutdown hook waits for the last events to be acknowledged and the summary
   * printed. With a live broker that takes milliseconds; with none, the process exits after
   * this rather than after the stream's full delivery patience.
   */
  static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(65);

  @ParentCommand
  EventSimulatorCli root;

  @Option(names = "--users", paramLabel = "N", defaultValue = "1000",
      description = "Users u0001…uN, drawn uniformly (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--merchants", paramLabel = "M", defaultValue = "${env:" + MERCHANTS + ":-" + Merchants.DEFAULT_COUNT + "}",
      description = "Merchants m0001…mM of the transactions, by popularity: load the same count with "
          + "materializer load --entity merchant --count M.")
  int merchants;

  @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "100",
      description = "Target events per second, both topics together (default ${DEFAULT-VALUE}).")
  double rate;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Limit limit;

  static final class Limit {
    @Option(names = "--duration", paramLabel = "D", converter = Durations.Converter.class,
        description = "Stop after this long: 30s, 5m, 1h, 1h30m (default: until stopped).")
    Duration duration;

    @Option(names = "--count", paramLabel = "C", description = "Stop after C events (default: until stopped).")
    Long count;
  }

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of users and stream; the materializer's seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--fraud-rate", paramLabel = "P", defaultValue = "0.001",
      description = "Probability that an event starts a fraud-like burst: 8–20 failed logins within a minute "
          + "from a new device and country, or 10–30 transactions within two minutes (default ${DEFAULT-VALUE}).")
  double fraudRate;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    validate();
    SimulatorSettings settings = root.settings();
    FeatureRegistry registry = settings.loadRegistry();
    for (String id : new String[] {Population.userId(1), Population.userId(users)}) {
      if (!registry.isValidEntityId(id)) {
        throw new InvalidInputException("user id " + id + " does not match the registry's id pattern "
            + registry.idPattern());
      }
    }
    if (registry.entity(SendCommand.MERCHANT_ENTITY).isPresent()) {
      FeatureRegistry merchantView = registry.forEntity(SendCommand.MERCHANT_ENTITY);
      for (String id : new String[] {Merchants.merchantId(1), Merchants.merchantId(merchants)}) {
        if (!merchantView.isValidEntityId(id)) {
          throw new InvalidInputException("merchant id " + id + " does not match the registry's merchant id pattern "
              + merchantView.idPattern());
        }
      }
    }
    String bootstrap = settings.bootstrapServers();
    EventPublisher.checkTopics(bootstrap, settings.kafkaSecurity());
    EventGenerator generator = new EventGenerator(users, merchants, seed, fraudRate, System::currentTimeMillis);
    EventPublisher publisher = new EventPublisher(bootstrap, settings.kafkaSecurity(), new EventJson(registry),
        EventPublisher.Patience.STREAM);
    long maxEvents = limit != null && limit.count != null ? limit.count : Long.MAX_VALUE;
    Duration duration = limit == null ? null : limit.duration;
    Simulation simulation = new Simulation(generator, EventSink.of(publisher), rate, maxEvents, duration, System::nanoTime);

    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> stopAndWait(simulation, finished), "event-simulator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    Simulation.Summary summary;
    try {
      try (publisher) {
        LOG.info("Producing to {} and {} at {}: {} events/s for users {}…{} and merchants {}…{} (busiest {}; seed {}, "
                + "fraud rate {}), {}; stop with Ctrl-C or SIGTERM", Topics.LOGIN, Topics.TRANSACTION, bootstrap,
            Simulation.format(rate), Population.userId(1), Population.userId(users), Merchants.merchantId(1),
            Merchants.merchantId(merchants), busiest(generator.merchants()), seed, fraudRate, limitText());
        summary = simulation.run();
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(summary.line());
      out.flush();
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it is waiting for exactly this point.
      }
    }
    if (summary.failure() != null) {
      throw new FeatureStoreException("events not acknowledged by " + bootstrap + ": " + summary.failure(),
          summary.failure());
    }
    return 0;
  }

  private void validate() {
    if (users < 1 || users > MAX_USERS) {
      throw new InvalidInputException("--users must be from 1 to " + MAX_USERS + ", not " + users);
    }
    if (merchants < 1 || merchants > MAX_MERCHANTS) {
      throw Cli.invalidValue("--merchants", MERCHANTS, "must be from 1 to " + MAX_MERCHANTS + ", not " + merchants);
    }
    if (!(rate > 0 && rate <= MAX_RATE)) {
      throw new InvalidInputException("--rate must be > 0 and <= " + (long) MAX_RATE + " events/s, not " + rate);
    }
    if (!(fraudRate >= 0 && fraudRate <= 1)) {
      throw new InvalidInputException("--fraud-rate must be a probability from 0 to 1, not " + fraudRate);
    }
    if (limit != null && limit.count != null && limit.count < 1) {
      throw new InvalidInputException("--count must be >= 1, not " + limit.count);
    }
  }

  /** The three busiest merchants and their shares: {@code m0883 13%, m0483 7%, m0467 4%}. */
  static String busiest(Merchants.Popularity popularity) {
    return String.join(", ", popularity.busiest(3).stream()
        .map(n -> Merchants.merchantId(n) + " " + Math.round(popularity.share(n) * 100) + "%").toList());
  }

  private String limitText() {
    if (limit != null && limit.count != null) {
      return "until " + limit.count + " events";
    }
    return limit != null && limit.duration != null
        ? "for " + limit.duration.toString().substring(2).toLowerCase(Locale.ROOT) : "until stopped";
  }

  /** The shutdown hook: stop the loop, then hold the JVM until the events are flushed and the summary printed. */
  private static void stopAndWait(Simulation simulation, CountDownLatch finished) {
    LOG.info("Stopping: flushing the events in flight");
    simulation.stop();
    try {
      if (!finished.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Events still in flight after {}; exiting anyway", SHUTDOWN_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
