package io.featurestore.simulator;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.InvalidEventException;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import io.featurestore.population.Countries;
import io.featurestore.population.Population;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code send}: one login or transaction built from flags, or JSON events with {@code --json}.
 * Every event is validated before anything is sent; each is then acknowledged by the broker
 * and reported on stdout as {@code topic=… partition=… offset=… user=…}.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Sends events and waits until the broker acknowledges each; prints one line per event: "
        + "topic, partition, offset, user.",
        "JSON input is JSON Lines (one event per line) or one JSON array; the type of each event is told by its "
            + "fields. Every event is validated first: if any is invalid, nothing is sent and the error names its "
            + "line and the reason."},
    footer = {"", "Examples:",
        "  send login --user u0001 --failed",
        "  send transaction --user u0001 --amount 12.50 --merchant m0042",
        "  send --json events.jsonl",
        "  cat events.jsonl | send --json -"},
    subcommands = {SendCommand.Login.class, SendCommand.Transaction.class})
final class SendCommand implements Callable<Integer> {
  /** For ids that are not synthetic ones, which have no home country. */
  static final String DEFAULT_COUNTRY = "US";
  /** For ids that are not synthetic ones, which have no devices of their own. */
  static final String DEFAULT_DEVICE = "cli";
  /** The first synthetic merchant ({@code Merchants.merchantId(1)}). */
  static final String DEFAULT_MERCHANT = "m0001";
  /** The registry entity whose id rule a {@code --merchant} id must follow, when the registry declares it. */
  static final String MERCHANT_ENTITY = "merchant";
  static final String STDIN = "-";
  /** The most JSON one {@code send --json} reads: about 400,000 events. */
  static final int MAX_JSON_BYTES = 64 * 1024 * 1024;

  @ParentCommand
  EventSimulatorCli root;

  @Option(names = "--json", paramLabel = "FILE|-",
      description = "Send the events of FILE, or of stdin for '-': JSON Lines or one JSON array.")
  String json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (json == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "name what to send: send login …, send transaction …, or send --json FILE|-");
    }
    SimulatorSettings settings = root.settings();
    EventJson eventJson = new EventJson(settings.loadRegistry());
    String source = json.equals(STDIN) ? "stdin" : json;
    List<EventInput.Numbered> events = EventInput.parse(read(json), source, eventJson);
    produce(settings, eventJson, events, spec.commandLine().getOut());
    return 0;
  }

  private String read(String file) {
    try {
      // Every event is checked before any is sent, so the input is held whole: bounded, not up to the heap.
      if (!file.equals(STDIN) && Files.size(Path.of(file)) > MAX_JSON_BYTES) {
        throw tooLarge(file);
      }
      byte[] bytes = file.equals(STDIN) ? root.stdin.readNBytes(MAX_JSON_BYTES + 1) : Files.readAllBytes(Path.of(file));
      if (bytes.length > MAX_JSON_BYTES) {
        throw tooLarge(file);
      }
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("cannot read " + file + ": no such file");
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("cannot read " + file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static InvalidInputException tooLarge(String file) {
    return new InvalidInputException("cannot send " + (file.equals(STDIN) ? "stdin" : file) + ": more than "
        + MAX_JSON_BYTES / (1024 * 1024) + " MiB of events in one send (every event is checked before any is sent);"
        + " split it into several files");
  }

  /** Sends every event, then waits for each acknowledgement in input order and prints it. */
  static void produce(SimulatorSettings settings, EventJson eventJson, List<EventInput.Numbered> events, PrintWriter out) {
    String bootstrapServers = settings.bootstrapServers();
    EventPublisher.checkTopics(bootstrapServers, settings.kafkaSecurity());
    try (EventPublisher publisher = new EventPublisher(bootstrapServers, settings.kafkaSecurity(), eventJson,
        EventPublisher.Patience.ONE_SHOT)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
      for (EventInput.Numbered event : events) {
        sent.add(publisher.send(event.event(), null));
      }
      long waitMillis = EventPublisher.Patience.ONE_SHOT.delivery().toMillis() + 5_000;
      for (int i = 0; i < events.size(); i++) {
        Event event = events.get(i).event();
        RecordMetadata metadata;
        try {
          metadata = sent.get(i).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          String which = events.size() == 1 ? "the event" : "the event of line " + events.get(i).line() + " ("
              + i + " of " + events.size() + " before it were acknowledged)";
          throw new FeatureStoreException(which + " for user " + event.userId() + " was not acknowledged by "
              + bootstrapServers + ": " + cause, cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FeatureStoreException("interrupted while waiting for acknowledgements", e);
        }
        out.printf("topic=%s partition=%d offset=%d user=%s%n", metadata.topic(), metadata.partition(),
            metadata.offset(), event.userId());
        out.flush();
      }
    } catch (TimeoutException e) {
      throw EventPublisher.unreachable(bootstrapServers, settings.kafkaSecurity(), e);
    } catch (KafkaException e) {
      throw new FeatureStoreException("Kafka at " + bootstrapServers + " did not take the events: " + e, e);
    }
  }

  /** What both single-event commands take; defaults come from the synthetic user when the id is one. */
  static final class SingleEventOptions {
    @Option(names = "--user", paramLabel = "ID", required = true, description = "User id, e.g. u0001.")
    String user;

    @Option(names = "--country", paramLabel = "CC",
        description = "ISO 3166 country (default: the user's home country for a synthetic id u0001…, else US).")
    String country;

    @Option(names = "--ts", paramLabel = "MILLIS", description = "Event time, epoch millis (default: now).")
    Long ts;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "Seed of the synthetic users, for the defaults (default ${DEFAULT-VALUE}).")
    long seed;

    OptionalLong syntheticNumber() {
      return Population.numberOf(user);
    }

    String country() {
      if (country != null) {
        return country.trim().toUpperCase(Locale.ROOT);
      }
      OptionalLong n = syntheticNumber();
      return n.isPresent() ? SimulatedUsers.profile(n.getAsLong(), seed).homeCountry() : DEFAULT_COUNTRY;
    }

    long ts() {
      return ts != null ? ts : System.currentTimeMillis();
    }
  }

  /** Shared by both single-event commands: refuses a mix with {@code --json}, validates, then sends. */
  private static int sendOne(SendCommand parent, Event event, CommandLine commandLine) {
    if (parent.json != null) {
      throw new CommandLine.ParameterException(commandLine, "--json sends a file; it does not combine with "
          + commandLine.getCommandName());
    }
    SimulatorSettings settings = parent.root.settings();
    EventJson eventJson = new EventJson(settings.loadRegistry());
    Event valid;
    try {
      valid = eventJson.validate(event);
    } catch (InvalidEventException e) {
      throw new InvalidInputException("invalid " + commandLine.getCommandName() + ": " + e.getMessage());
    }
    produce(settings, eventJson, List.of(new EventInput.Numbered(1, valid)), commandLine.getOut());
    return 0;
  }

  @Command(name = "login", mixinStandardHelpOptions = true,
      description = {"Sends one login event to events.login.",
          "Defaults for a synthetic id (u0001…): its home country and its main device for --seed; "
              + "for any other id: country US, device 'cli'."})
  static final class Login implements Callable<Integer> {
    @ParentCommand
    SendCommand parent;

    @Mixin
    SingleEventOptions options = new SingleEventOptions();

    @Option(names = "--device", paramLabel = "ID", description = "Device id, e.g. ios-9f02.")
    String device;

    @Option(names = "--failed", description = "A failed login (default: successful).")
    boolean failed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      String deviceId = device != null ? device : options.syntheticNumber().isPresent()
          ? SimulatedUsers.profile(options.syntheticNumber().getAsLong(), options.seed).primaryDevice()
          : DEFAULT_DEVICE;
      LoginEvent event = new LoginEvent(options.user, options.ts(), deviceId, options.country(), !failed);
      return sendOne(parent, event, spec.commandLine());
    }
  }

  @Command(name = "transaction", mixinStandardHelpOptions = true,
      description = {"Sends one transaction event to events.transaction.",
          "Defaults: the country as for login, the currency of that country, merchant m0001."})
  static final class Transaction implements Callable<Integer> {
    @ParentCommand
    SendCommand parent;

    @Mixin
    SingleEventOptions options = new SingleEventOptions();

    @Option(names = "--amount", paramLabel = "AMOUNT", required = true, description = "Amount, e.g. 12.50.")
    BigDecimal amount;

    @Option(names = "--currency", paramLabel = "CODE",
        description = "ISO 4217 currency (default: the currency of the country).")
    String currency;

    @Option(names = "--merchant", paramLabel = "ID", defaultValue = DEFAULT_MERCHANT,
        description = "Merchant id, e.g. m0042: the materializer's synthetic merchants are m0001…mM (default ${DEFAULT-VALUE}).")
    String merchant;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      String country = options.country();
      String code = currency != null ? currency.trim().toUpperCase(Locale.ROOT)
          : Countries.money(country).map(Countries.Money::currency).orElseThrow(() -> new InvalidInputException(
              "no default currency for country " + country + ": pass --currency"));
      FeatureRegistry registry = parent.root.settings().loadRegistry();
      if (registry.entity(MERCHANT_ENTITY).isPresent()) {
        // What the stream processor keys the merchant's features by: refused here rather than in its dead letters.
        FeatureRegistry merchants = registry.forEntity(MERCHANT_ENTITY);
        if (!merchants.isValidEntityId(merchant)) {
          throw new InvalidInputException("invalid transaction: --merchant '" + merchant + "' is not a merchant id: it "
              + "must match " + merchants.idPattern());
        }
      }
      TransactionEvent event = new TransactionEvent(options.user, options.ts(), amount, code, country, merchant);
      return sendOne(parent, event, spec.commandLine());
    }
  }
}
