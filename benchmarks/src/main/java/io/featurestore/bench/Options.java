package io.featurestore.bench;

import io.featurestore.cli.Numbers;
import io.featurestore.infra.ProjectScripts;
import io.featurestore.population.Merchants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options several benchmarks take, as picocli mixins. Where a default differs between
 * benchmarks, each constructs its mixin with its own.
 */
final class Options {
  private Options() {}

  static final class Runs {
    @Option(names = "--runs", converter = Numbers.Positive.class,
        description = "Runs; medians are reported (default ${DEFAULT-VALUE}).")
    long runs = 3;
    @Option(names = "--seed", description = "Seed of the generated data (default ${DEFAULT-VALUE}).")
    long seed;

    Runs(long seed) {
      this.seed = seed;
    }
  }

  static final class Redis {
    @Option(names = "--redis-url", paramLabel = "URL", description = "Redis to use; without it, a redis-server of its own"
        + " is started on a free loopback port and stopped at the end.")
    String url;
  }

  /** The Kafka broker and the stream processor, each its own process. */
  static final class Stream {
    @Option(names = "--partitions", converter = Numbers.Positive.class,
        description = "Partitions of each topic (default ${DEFAULT-VALUE}).")
    long partitions = 3;
    @Option(names = "--processor-jar", paramLabel = "JAR",
        description = "The stream processor's jar (default: stream-processor/target/stream-processor.jar in this checkout).")
    Path processorJar;
    @Option(names = "--processor-java-opts", paramLabel = "OPTS", description = "JVM options of the processor process.")
    String processorJavaOpts = "";
    @Option(names = "--processor-env", paramLabel = "KEY=VALUE",
        description = "Extra processor setting, repeatable, e.g. FS_PROCESSOR_THREADS=2 (default: the processor's defaults).")
    Map<String, String> processorEnv = new LinkedHashMap<>();
    @Option(names = "--keep-logs", description = "Keep the broker and processor logs (their folder is printed).")
    boolean keepLogs;
  }

  /**
   * The synthetic users u0001…uN and merchants m0001…mM: the events' ({@link SyntheticEvents}: users
   * picked uniformly, merchants by the population's skewed popularity), or the rows loaded first.
   */
  static final class Events {
    @Option(names = "--users", converter = Numbers.Positive.class,
        description = "Synthetic users u0001…uN (default ${DEFAULT-VALUE}).")
    long users = 100_000;
    @Option(names = "--merchants", converter = Numbers.Positive.class,
        description = "Synthetic merchants m0001…mM (default ${DEFAULT-VALUE}).")
    long merchants = Merchants.DEFAULT_COUNT;

    SyntheticEvents generator(long seed, boolean track) {
      return new SyntheticEvents(seed, Math.toIntExact(users), Math.toIntExact(merchants), track);
    }
  }

  /**
   * The runnable jar of {@code module} the benchmark starts: {@code configured} ({@code --MODULE-jar}),
   * else the module's build in this checkout; fails, naming the flag, when there is none.
   */
  static Path jar(Path configured, String module, String flag) {
    Path jar = configured != null ? configured : ProjectScripts.root().resolve(module + "/target/" + module + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + module + " jar at " + jar
          + "; build it (mvn -q install -DskipTests -DskipITs) or pass " + flag);
    }
    return jar.toAbsolutePath().normalize();
  }

  static List<String> split(String options) {
    return options == null || options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
  }
}
