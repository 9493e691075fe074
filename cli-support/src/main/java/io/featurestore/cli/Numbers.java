package io.featurestore.cli;

import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** The one parser of whole numbers, for flags and environment variables alike. */
public final class Numbers {
  private Numbers() {}

  /** Every {@code int} and {@code long} option of the command (and its subcommands) parses with these. */
  static void register(CommandLine commandLine) {
    CommandLine.ITypeConverter<Integer> toInt = text -> {
      long value = parse(text);
      if (value != (int) value) {
        throw new TypeConversionException("'" + text + "' is too large");
      }
      return (int) value;
    };
    CommandLine.ITypeConverter<Long> toLong = Numbers::parse;
    commandLine.registerConverter(Integer.class, toInt).registerConverter(int.class, toInt)
        .registerConverter(Long.class, toLong).registerConverter(long.class, toLong);
  }

  static long parse(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + text + "' is not a whole number");
    }
  }

  /** For a {@code long} setting that must be above zero: a count, an interval, a TTL. */
  public static final class Positive implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      long value = parse(text);
      if (value <= 0) {
        throw new TypeConversionException("must be > 0, not " + value);
      }
      return value;
    }
  }

  /** For a {@code long} setting where 0 means "the default" (e.g. "as many as the input has"). */
  public static final class NonNegative implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      long value = parse(text);
      if (value < 0) {
        throw new TypeConversionException("must be >= 0, not " + value);
      }
      return value;
    }
  }
}
