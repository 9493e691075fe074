package io.featurestore.simulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The countries the simulator knows: each with its currency and a price level, so that a
 * coffee costs about as much in INR as it does in USD. Covers every home country of
 * {@code SyntheticUsers} plus a few travel destinations.
 */
final class Countries {
  /** Country (ISO 3166 alpha-2) → currency (ISO 4217) and units of that currency per US dollar, roughly. */
  private static final Map<String, Money> BY_COUNTRY = new LinkedHashMap<>();

  static {
    add("US", "USD", 1.0);
    add("GB", "GBP", 0.8);
    add("DE", "EUR", 0.92);
    add("FR", "EUR", 0.92);
    add("ES", "EUR", 0.92);
    add("IT", "EUR", 0.92);
    add("NL", "EUR", 0.92);
    add("PT", "EUR", 0.92);
    add("IN", "INR", 83.0);
    add("BR", "BRL", 5.0);
    add("CA", "CAD", 1.35);
    add("PL", "PLN", 4.0);
    add("SE", "SEK", 10.5);
    add("MX", "MXN", 17.0);
    add("AU", "AUD", 1.5);
    add("CH", "CHF", 0.9);
    add("AE", "AED", 3.67);
    add("TH", "THB", 35.0);
  }

  /** Every known country, in a fixed order (travel and attacker countries are drawn from it). */
  static final List<String> ALL = List.copyOf(BY_COUNTRY.keySet());

  private Countries() {}

  record Money(String currency, double unitsPerUsd) {}

  static Optional<Money> money(String country) {
    return Optional.ofNullable(BY_COUNTRY.get(country));
  }

  private static void add(String country, String currency, double unitsPerUsd) {
    BY_COUNTRY.put(country, new Money(currency, unitsPerUsd));
  }
}
