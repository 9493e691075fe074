package io.featurestore.materializer;

import io.featurestore.cli.Cli;
import io.featurestore.cli.Numbers;
import io.featurestore.cli.StoreOptions;
import io.featurestore.core.BulkLoadResult;
import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StoreSettings;
import io.featurestore.core.StoreStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * The batch materializer: bulk-loads daily features into Redis with a key-level TTL, so
 * a batch that stops arriving makes whole entities expire instead of serving stale values.
 */
@Command(name = "materializer", mixinStandardHelpOptions = true, version = "materializer 0.1.0",
    description = "Bulk-loads batch features into the Redis feature store (HSET + key-level EXPIRE, pipelined).",
    subcommands = {MaterializerCli.Load.class, MaterializerCli.Reset.class, MaterializerCli.Stats.class,
        CommandLine.HelpCommand.class})
public final class MaterializerCli implements Runnable {
  /** Every environment variable the materializer reads. */
  public static final java.util.Set<String> ENVIRONMENT = Cli.environment(new MaterializerCli());

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Connection and registry settings, shared by every command. */
  @Mixin
  StoreOptions store = new StoreOptions();

  /** The variable of {@code --entity}. */
  public static final String ENTITY = "FS_ENTITY";
  /** Bounds of --chunk-size (memory: four chunks are read ahead) and --parallelism (the store's pool has 64 connections). */
  static final int MAX_CHUNK_SIZE = 100_000;
  static final int MAX_PARALLELISM = 64;
  /** Where keys that are not entities live (heartbeats, markers): no reset may reach them. */
  static final String META_PREFIX = "fs:meta:";

  @Option(names = "--entity", paramLabel = "NAME", scope = ScopeType.INHERIT, defaultValue = "${env:" + ENTITY + "}",
      description = {"Registry entity to load, count or reset, e.g. user or merchant (default: the registry's first, user).",
          "--key-prefix moves the first entity's prefix only; the others keep the prefix their registry gives."})
  Optional<String> entity = Optional.empty();

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  public static CommandLine commandLine(Map<String, String> env) {
    return Cli.commandLine(new MaterializerCli(), env);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: load, reset or stats");
  }

  /**
   * The deployment's registry seen from the entity of {@code --entity}: its key prefix, id rule and
   * batch features are then the ones every command uses.
   */
  FeatureRegistry registry(StoreSettings settings) {
    FeatureRegistry registry = settings.loadRegistry();
    if (entity.isEmpty()) {
      return registry;
    }
    try {
      return registry.forEntity(entity.get().trim());
    } catch (IllegalArgumentException e) {
      throw Cli.invalidValue("--entity", ENTITY, e.getMessage());
    }
  }

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = {"Loads the batch features of one entity (--entity, default user): synthetic users or merchants "
          + "(--count), or a CSV / JSON Lines file (--from).",
          "A file is validated whole against that entity's batch features and id rule before anything is written; "
              + "a bad one is rejected with every problem's line and column."})
  static final class Load implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    MaterializerCli root;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
      @Option(names = "--count", paramLabel = "N", required = true,
          description = "Generate N synthetic entities: users u0001…uN, or with --entity merchant merchants m0001…mN.")
      Long count;

      @Option(names = "--from", paramLabel = "FILE", required = true,
          description = "CSV (header: entity_id or <entity>_id, then batch feature names) or JSON Lines (one object per line).")
      Path file;
    }

    @Option(names = "--seed", defaultValue = "42",
        description = "Seed of the synthetic entities; the simulator's --seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", description = "File format: ${COMPLETION-CANDIDATES} (default: from the file name).")
    BatchFile.Format format;

    /** The earlier name of --batch-ttl-seconds here, still accepted. */
    @Option(names = "--ttl-seconds", paramLabel = "T", hidden = true, converter = Numbers.Positive.class)
    Optional<Long> ttlSeconds = Optional.empty();

    @Option(names = "--chunk-size", defaultValue = "1000", description = "Rows per pipeline (default ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--parallelism", defaultValue = "2", description = "Pipelines in flight on separate connections (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--progress", defaultValue = "auto",
        description = "Progress bar on stderr: auto (for loads of 20000 rows or more), always, never.")
    String progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (source.count != null && source.count < 1) {
        throw new InvalidInputException("--count must be >= 1, not " + source.count);
      }
      if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
        throw new InvalidInputException("--chunk-size must be 1.." + MAX_CHUNK_SIZE + " rows, not " + chunkSize);
      }
      if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
        throw new InvalidInputException("--parallelism must be 1.." + MAX_PARALLELISM + " connections, not " + parallelism);
      }
      if (!progress.matches("auto|always|never")) {
        throw new InvalidInputException("--progress must be auto, always or never, not '" + progress + "'");
      }
      StoreSettings store = root.store.settings();
      StoreSettings settings = ttlSeconds.isEmpty() ? store : new StoreSettings(store.redis(), store.registryFile(),
          store.keyPrefix(), ttlSeconds, store.streamTtlSeconds());
      FeatureRegistry registry = root.registry(settings);
      SyntheticRows synthetic = source.count == null ? null : SyntheticRows.of(registry, source.count);
      PrintWriter out = spec.commandLine().getOut();
      BulkLoadResult result;
      String what;
      if (source.file != null) {
        if (!Files.exists(source.file)) {
          throw new InvalidInputException("cannot read " + source.file + ": no such file");
        }
        if (!Files.isRegularFile(source.file)) {
          // A pipe or a device cannot be read a second time, and a directory not at all.
          throw new InvalidInputException(source.file + " is not a regular file: --from reads it twice, to validate it"
              + " whole and then to load it");
        }
        if (!Files.isReadable(source.file)) {
          throw new InvalidInputException("cannot read " + source.file);
        }
        BatchFile file = new BatchFile(source.file, format, registry);
        long rows = file.validate();
        if (rows == 0) {
          throw new InvalidInputException(source.file + " has no rows to load");
        }
        what = rows + " " + registry.entityName() + " rows from " + source.file;
        try (FeatureStore featureStore = FeatureStore.connect(settings.redis(), registry);
             ProgressBar bar = progressBar(rows)) {
          result = loadFromFile(featureStore, registry, file, bar);
        }
      } else {
        what = source.count + " synthetic " + synthetic.plural() + " (seed " + seed + ")";
        try (FeatureStore featureStore = FeatureStore.connect(settings.redis(), registry);
             ProgressBar bar = progressBar(source.count)) {
          result = featureStore.bulkLoader().bulkLoad(synthetic.generate(source.count, seed), registry.batchTtlSeconds(),
              chunkSize, parallelism, stepTo(bar));
        }
      }
      out.printf("loaded %s in %.2f s (%,.0f rows/s) into %s with key TTL %d s; look at one: redis-cli HGETALL %s%n",
          what, result.elapsed().toNanos() / 1e9, result.rowsPerSecond(), settings.redis().describe(),
          registry.batchTtlSeconds(), registry.keyPrefix() + "<id>");
      out.flush();
      return 0;
    }

    /** Reads the (validated) file on this thread while the store writes chunks on its own. */
    private BulkLoadResult loadFromFile(FeatureStore featureStore, FeatureRegistry registry, BatchFile file, ProgressBar bar) {
      BlockingQueue<Object> queue = new ArrayBlockingQueue<>(chunkSize * 4);
      Object end = new Object();
      Thread reader = new Thread(() -> {
        try {
          file.forEachRow(row -> put(queue, row));
          put(queue, end);
        } catch (RuntimeException e) {
          put(queue, e);
        }
      }, "batch-file-reader");
      reader.setDaemon(true);
      reader.start();
      Iterator<EntityRow> rows = new Iterator<>() {
        private Object next;

        @Override
        public boolean hasNext() {
          if (next == null) {
            try {
              next = queue.take();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new FeatureStoreException("interrupted while reading " + file, e);
            }
          }
          if (next instanceof RuntimeException) {
            throw (RuntimeException) next;
          }
          return next != end;
        }

        @Override
        public EntityRow next() {
          hasNext();
          EntityRow row = (EntityRow) next;
          next = null;
          return row;
        }
      };
      return featureStore.bulkLoader().bulkLoad(rows, registry.batchTtlSeconds(), chunkSize, parallelism, stepTo(bar));
    }

    private static void put(BlockingQueue<Object> queue, Object item) {
      try {
        queue.put(item);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FeatureStoreException("interrupted", e);
      }
    }

    private ProgressBar progressBar(long total) {
      boolean show = progress.equals("always") || (progress.equals("auto") && total >= 20_000);
      if (!show) {
        return null;
      }
      // A fixed width: without one, the library asks the terminal its size on every redraw, which on
      // Java 17 starts an `stty` child process each time (hundreds per load).
      return new ProgressBarBuilder().setTaskName("load").setInitialMax(total).setUnit(" rows", 1)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed()
          .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err, 79)).build();
    }

    private static LongConsumer stepTo(ProgressBar bar) {
      return bar == null ? n -> { } : bar::stepTo;
    }
  }

  /** A subcommand on the store's admin side: it connects with the root's settings and runs {@link #run}. */
  abstract static class AdminCommand implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    MaterializerCli root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    abstract void run(FeatureStore featureStore, FeatureRegistry registry, StoreSettings settings);

    /** Refuses, before connecting, what this command must not do with the entity's prefix. */
    void check(FeatureRegistry registry) {}

    @Override
    public Integer call() {
      StoreSettings settings = root.store.settings();
      FeatureRegistry registry = root.registry(settings);
      check(registry);
      try (FeatureStore featureStore = FeatureStore.connect(settings.redis(), registry)) {
        run(featureStore, registry, settings);
      }
      return 0;
    }
  }

  @Command(name = "reset", mixinStandardHelpOptions = true,
      description = {"Deletes every entity of one entity type (--entity, default user) under its key prefix "
          + "(SCAN + UNLINK, never KEYS).",
          "Other entities' keys and the fs:meta: keys (heartbeats) are never touched."})
  static final class Reset extends AdminCommand {
    @Option(names = "--yes", description = "Confirm the deletion.")
    boolean yes;

    @Override
    void check(FeatureRegistry registry) {
      // The registry keeps entity prefixes apart; this keeps them away from the meta keys.
      String prefix = registry.keyPrefix();
      if (prefix.startsWith(META_PREFIX) || META_PREFIX.startsWith(prefix)) {
        throw new InvalidInputException("refusing to reset under '" + prefix + "' (entity " + registry.entityName()
            + "): it overlaps '" + META_PREFIX + "', where the heartbeats live; give the entity a prefix of its own");
      }
    }

    @Override
    void run(FeatureStore featureStore, FeatureRegistry registry, StoreSettings settings) {
      if (!yes) {
        long entities = featureStore.admin().stats(0).entities();
        throw new InvalidInputException("refusing to delete " + entities + " entities under '"
            + registry.keyPrefix() + "' (" + registry.entityName() + ") at " + settings.redis().describe()
            + " without --yes");
      }
      long removed = featureStore.admin().reset();
      spec.commandLine().getOut().printf("removed %d entities under '%s' (%s)%n", removed, registry.keyPrefix(),
          registry.entityName());
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = "Counts the entities of one entity type (--entity, default user) under its key prefix and shows "
          + "the key TTL of a few.")
  static final class Stats extends AdminCommand {
    @Option(names = "--sample", defaultValue = "5", description = "How many entities to show (default ${DEFAULT-VALUE}).")
    int sample;

    @Override
    void run(FeatureStore featureStore, FeatureRegistry registry, StoreSettings settings) {
      StoreStats stats = featureStore.admin().stats(sample);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%d entities under '%s' (%s) at %s%n", stats.entities(), registry.keyPrefix(), registry.entityName(),
          settings.redis().describe());
      for (Map.Entry<String, Long> e : stats.sampleKeyTtls().entrySet()) {
        out.printf("  %-12s key TTL %s%n", e.getKey(), e.getValue() >= 0 ? e.getValue() + " s" : "none");
      }
      out.flush();
    }
  }
}
