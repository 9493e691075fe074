package io.featurestore.population;

import java.util.OptionalLong;

/**
 * The id scheme of every synthetic entity: a letter and the entity's number (1-based), padded to
 * at least four digits ({@code u0001}, {@code m0042}, {@code u10000}), so ids sort by number up
 * to 9999 and read the same in every module.
 */
final class SyntheticIds {
  private SyntheticIds() {}

  static String format(char letter, long n) {
    String digits = Long.toString(n);
    return digits.length() >= 4 ? letter + digits : letter + "0000".substring(digits.length()) + digits;
  }

  /** The number of an id of this scheme; empty for any other id, including unpadded ones ({@code u42}). */
  static OptionalLong parse(char letter, String id) {
    if (id == null || id.length() < 5 || id.length() > 19 || id.charAt(0) != letter) {
      return OptionalLong.empty();
    }
    for (int i = 1; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
    }
    long n = Long.parseLong(id.substring(1));
    return n >= 1 && format(letter, n).equals(id) ? OptionalLong.of(n) : OptionalLong.empty();
  }
}
