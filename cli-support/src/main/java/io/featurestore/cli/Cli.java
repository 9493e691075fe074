package io.featurestore.cli;

import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;

/**
 * The command line of every program. Each setting is a picocli option whose default is its
 * environment variable ({@code defaultValue = "${env:REDIS_URL:-redis://localhost:6379}"}),
 * resolved against the environment given here rather than the process's, so tests pass their
 * own. {@code --help} lists every variable with its flag and default; a bad value, whether from
 * a flag or a variable, is a usage error (exit code 2) in one line that names both.
 */
public final class Cli {
  private static final String ENVIRONMENT_SECTION = "environment";

  private Cli() {}

  /** What a service runs with its settings; returns the exit code. */
  @FunctionalInterface
  public interface Body<S> {
    int run(S settings) throws Exception;
  }

  /**
   * A command line for {@code command} (and its subcommands) whose option defaults come from
   * {@code env}. An execution failure prints {@code error: <message>} and exits 2 for
   * {@link InvalidInputException}, 1 otherwise (with the stack trace unless the failure is a
   * {@link FeatureStoreException}, whose message says it all).
   */
  public static CommandLine commandLine(Object command, Map<String, String> env) {
    CommandLine commandLine = new CommandLine(command);
    commandLine.setDefaultValueProvider(arg -> Setting.of(arg).map(s -> defaultValue(s, env)).orElse(null));
    Numbers.register(commandLine);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true); // --format csv as well as CSV
    commandLine.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println(message(e));
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
      err.flush();
      return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
    });
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + (e instanceof FeatureStoreException ? e.getMessage() : e));
      if (!(e instanceof FeatureStoreException)) {
        e.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return e instanceof InvalidInputException ? 2 : 1;
    });
    Map<String, CommandLine.IHelpSectionRenderer> sections = new HashMap<>(commandLine.getHelpSectionMap());
    sections.put(ENVIRONMENT_SECTION, help -> environmentSection(help.commandSpec()));
    commandLine.setHelpSectionMap(sections);
    List<String> keys = new ArrayList<>(commandLine.getHelpSectionKeys());
    keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), ENVIRONMENT_SECTION);
    commandLine.setHelpSectionKeys(keys);
    return commandLine;
  }

  /** Parses {@code args} over {@code env} into {@code command}; a bad value is an {@link InvalidInputException} naming both. */
  public static <T> T parse(T command, Map<String, String> env, String... args) {
    try {
      commandLine(command, env).parseArgs(args);
    } catch (ParameterException e) {
      throw new InvalidInputException(message(e));
    }
    return command;
  }

  /**
   * A service's {@code main}: answers {@code --help} and {@code --version}, turns the parsed
   * command into its settings (a bad value, from parsing or from {@code settings}, is a usage
   * error), then runs {@code body} with them.
   */
  public static <T, S> int run(T command, Map<String, String> env, String[] args, Function<T, S> settings,
      Body<S> body) {
    CommandLine commandLine = commandLine(command, env);
    commandLine.setExecutionStrategy(parsed -> {
      Integer help = CommandLine.executeHelpRequest(parsed);
      if (help != null) {
        return help;
      }
      S validated;
      try {
        validated = settings.apply(command);
      } catch (InvalidInputException e) {
        throw new ParameterException(commandLine, e.getMessage(), e);
      }
      try {
        return body.run(validated);
      } catch (Exception e) {
        throw new CommandLine.ExecutionException(commandLine, e.toString(), e);
      }
    });
    return commandLine.execute(args);
  }

  /** The environment variables {@code command} and its subcommands read, from their options: it cannot drift from them. */
  public static SortedSet<String> environment(Object command) {
    SortedSet<String> variables = new TreeSet<>();
    collect(new CommandLine(command).getCommandSpec(), variables);
    return Collections.unmodifiableSortedSet(variables);
  }

  private static void collect(CommandSpec spec, Set<String> variables) {
    spec.options().forEach(o -> Setting.of(o).ifPresent(s -> variables.add(s.variable())));
    spec.subcommands().values().forEach(sub -> collect(sub.getCommandSpec(), variables));
  }

  private static String defaultValue(Setting setting, Map<String, String> env) {
    String value = env.get(setting.variable());
    if (value != null && !value.isBlank()) {
      // picocli expands ${...} in what a default provider returns; a value is taken as it is.
      return value.trim().replace("$", "$$");
    }
    // NULL_VALUE, not null: null would let picocli resolve ${env:...} against the process environment.
    return setting.fallback().orElse(CommandLine.Option.NULL_VALUE);
  }

  private static String message(ParameterException e) {
    Optional<Setting> setting = Setting.of(e.getArgSpec());
    Throwable cause = e.getCause();
    if (setting.isEmpty() || cause == null) {
      return e.getMessage();
    }
    String reason = cause instanceof CommandLine.TypeConversionException ? cause.getMessage()
        : "'" + e.getValue() + "': " + cause.getMessage();
    return invalidValue(setting.get().flag(), setting.get().variable(), reason).getMessage();
  }

  /** A bad setting, named the way every program names one: {@code Invalid value for --port (SERVING_PORT): <reason>}. */
  public static InvalidInputException invalidValue(String flag, String variable, String reason) {
    return new InvalidInputException("Invalid value for " + flag + " (" + variable + "): " + reason);
  }

  private static String environmentSection(CommandSpec spec) {
    List<Setting> settings = spec.options().stream().filter(o -> !o.hidden()).map(Setting::of)
        .flatMap(Optional::stream).sorted(Comparator.comparing(Setting::flag)).toList();
    if (settings.isEmpty()) {
      return "";
    }
    int variableWidth = Math.max(8, settings.stream().mapToInt(s -> s.variable().length()).max().orElse(0));
    int flagWidth = Math.max(4, settings.stream().mapToInt(s -> s.flag().length()).max().orElse(0));
    String row = "  %-" + variableWidth + "s  %-" + flagWidth + "s  %s";
    StringBuilder text = new StringBuilder(String.format("%nEnvironment (a flag given wins over its variable):%n"));
    text.append(String.format(row, "VARIABLE", "FLAG", "DEFAULT")).append(System.lineSeparator());
    for (Setting s : settings) {
      text.append(String.format(row, s.variable(), s.flag(), s.fallback().orElse("(not set)")))
          .append(System.lineSeparator());
    }
    return text.toString();
  }
}
