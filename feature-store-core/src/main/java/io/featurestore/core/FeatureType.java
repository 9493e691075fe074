package io.featurestore.core;

import java.util.Locale;

/**
 * How a feature's value is written as a Redis hash field (always a string on the wire)
 * and how it is read back as a typed value.
 */
public enum FeatureType {
  STRING("string"),
  INT("int"),
  DOUBLE("double"),
  BOOL("bool"),
  /** Epoch milliseconds, stored as a decimal integer. */
  TIMESTAMP_MS("timestamp_ms");

  private final String registryName;

  FeatureType(String registryName) {
    this.registryName = registryName;
  }

  public String registryName() {
    return registryName;
  }

  public static FeatureType fromRegistryName(String name) {
    for (FeatureType type : values()) {
      if (type.registryName.equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown type '" + name + "'; allowed: " + allowedNames());
  }

  static String allowedNames() {
    StringBuilder names = new StringBuilder();
    for (FeatureType type : values()) {
      names.append(names.length() == 0 ? "" : ", ").append(type.registryName);
    }
    return names.toString();
  }

  /**
   * The longest value a string feature holds: a feature is a value, not a document, and one batch
   * read returns up to a thousand entities' values at once.
   */
  public static final int MAX_STRING_LENGTH = 65_536;

  /**
   * Encodes a typed value (or its text form) to the canonical wire string.
   *
   * @throws IllegalArgumentException naming the problem, when the value does not fit the type
   */
  public String encode(Object value) {
    if (value == null) {
      throw new IllegalArgumentException("null is not a " + registryName + " value");
    }
    switch (this) {
      case STRING:
        if (!(value instanceof CharSequence)) {
          throw new IllegalArgumentException("expected a string, got " + value.getClass().getSimpleName());
        }
        if (((CharSequence) value).length() > MAX_STRING_LENGTH) {
          throw new IllegalArgumentException("a string of " + ((CharSequence) value).length()
              + " characters; a string feature holds at most " + MAX_STRING_LENGTH);
        }
        return value.toString();
      case INT:
      case TIMESTAMP_MS:
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
          return Long.toString(((Number) value).longValue());
        }
        if (value instanceof CharSequence) {
          return Long.toString(parseLong(value.toString()));
        }
        throw new IllegalArgumentException("expected an integer, got " + value.getClass().getSimpleName());
      case DOUBLE:
        if (value instanceof Number) {
          return encodeDouble(((Number) value).doubleValue());
        }
        if (value instanceof CharSequence) {
          return encodeDouble(parseDouble(value.toString()));
        }
        throw new IllegalArgumentException("expected a number, got " + value.getClass().getSimpleName());
      case BOOL:
        if (value instanceof Boolean) {
          return value.toString();
        }
        if (value instanceof CharSequence) {
          return Boolean.toString(parseBool(value.toString()));
        }
        throw new IllegalArgumentException("expected true or false, got " + value.getClass().getSimpleName());
      default:
        throw new AssertionError(this);
    }
  }

  /**
   * Decodes a wire string to a typed value: {@code String}, {@code Long}, {@code Double} or
   * {@code Boolean}; each accepts what {@link #encode} writes.
   *
   * @throws IllegalArgumentException naming the value, when it is not one of this type (written
   *     by something else: {@code fourteen} in an int field, {@code NaN} in a double field, a string
   *     longer than {@link #MAX_STRING_LENGTH})
   */
  public Object decode(String wire) {
    switch (this) {
      case STRING:
        if (wire.length() > MAX_STRING_LENGTH) {
          throw new IllegalArgumentException("a string of " + wire.length() + " characters; a string feature holds at most "
              + MAX_STRING_LENGTH);
        }
        return wire;
      case INT:
      case TIMESTAMP_MS:
        try {
          return Long.parseLong(wire);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(quoted(wire) + " is not an integer");
        }
      case DOUBLE:
        double value;
        try {
          value = Double.parseDouble(wire);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(quoted(wire) + " is not a number");
        }
        if (!Double.isFinite(value)) {
          throw new IllegalArgumentException(quoted(wire) + " is not a finite number");
        }
        return value;
      case BOOL:
        return parseBool(wire);
      default:
        throw new AssertionError(this);
    }
  }

  /** As {@link #decode}, or the wire text itself when it is not a value of this type: what inspection shows. */
  public Object decodeOrText(String wire) {
    try {
      return decode(wire);
    } catch (IllegalArgumentException e) {
      return wire;
    }
  }

  /** A stored value in a message: quoted, and cut after 40 characters. */
  private static String quoted(String wire) {
    return "'" + (wire.length() > 40 ? wire.substring(0, 40) + "…" : wire) + "'";
  }

  private static long parseLong(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an integer");
    }
  }

  private static double parseDouble(String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a number");
    }
  }

  private static String encodeDouble(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(value + " is not a finite number");
    }
    // Shortest text that reads back to the same double; integral values keep no ".0" noise.
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  private static boolean parseBool(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("true")) {
      return true;
    }
    if (t.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException(quoted(text) + " is not true or false");
  }
}
