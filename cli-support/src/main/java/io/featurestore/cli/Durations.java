package io.featurestore.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses {@code --duration} values: {@code 30s}, {@code 5m}, {@code 1h}, {@code 1h30m}, {@code 500ms}, or ISO-8601 {@code PT30S}. */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final String FORMAT_HINT = "a number with a unit (ms, s, m, h, d) like 30s, 5m, 1h or 1h30m";

  private Durations() {}

  /** The duration, which must be longer than zero; {@link IllegalArgumentException} naming the accepted forms otherwise. */
  static Duration parse(String text) {
    String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    Duration duration;
    if (value.startsWith("p")) {
      try {
        duration = Duration.parse(value.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw invalid(text);
      }
    } else {
      if (!WHOLE.matcher(value).matches()) {
        throw invalid(text);
      }
      duration = Duration.ZERO;
      Matcher part = PART.matcher(value);
      try {
        while (part.find()) {
          long amount = Long.parseLong(part.group(1));
          duration = duration.plus(switch (part.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          });
        }
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("duration '" + text + "' is too long");
      }
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be longer than 0, not '" + text + "'");
    }
    return duration;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("'" + text + "' is not a duration: expected " + FORMAT_HINT);
  }

  /** Lets picocli report a bad value as a usage error (exit code 2) with the reason. */
  public static final class Converter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
