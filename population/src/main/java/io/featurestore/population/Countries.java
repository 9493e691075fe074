package io.featurestore.population;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The countries of the synthetic world: each with its currency, a price level (so that a coffee
 * costs about as much in INR as it does in USD), and its share of the users who live there.
 * Countries with no share are travel destinations only.
 */
public final class Countries {
  private static final Map<String, Country> BY_CODE = new LinkedHashMap<>();

  static {
    //  ISO 3166 alpha-2, ISO 4217, units of it per US dollar (roughly), share of home users
    add("US", "USD", 1.0, 0.30);
    add("GB", "GBP", 0.8, 0.12);
    add("DE", "EUR", 0.92, 0.10);
    add("FR", "EUR", 0.92, 0.08);
    add("ES", "EUR", 0.92, 0.06);
    add("IT", "EUR", 0.92, 0.05);
    add("NL", "EUR", 0.92, 0.04);
    add("PT", "EUR", 0.92, 0);
    add("IN", "INR", 83.0, 0.08);
    add("BR", "BRL", 5.0, 0.07);
    add("CA", "CAD", 1.35, 0.04);
    add("PL", "PLN", 4.0, 0.03);
    add("SE", "SEK", 10.5, 0.03);
    add("MX", "MXN", 17.0, 0);
    add("AU", "AUD", 1.5, 0);
    add("CH", "CHF", 0.9, 0);
    add("AE", "AED", 3.67, 0);
    add("TH", "THB", 35.0, 0);
  }

  /** Every country, in the fixed order of the table above (travel destinations are drawn from it). */
  public static final List<String> ALL = List.copyOf(BY_CODE.keySet());

  /**
   * The countries users live in, largest share first (equal shares in table order): the order
   * in which {@link #drawHome} walks the shares, so it fixes which user lives where for a seed.
   */
  public static final List<String> HOME = BY_CODE.values().stream().filter(c -> c.homeShare() > 0)
      .sorted(Comparator.comparingDouble(Country::homeShare).reversed()).map(Country::code).toList();

  private static final double[] HOME_SHARES = HOME.stream().mapToDouble(c -> BY_CODE.get(c).homeShare()).toArray();

  private Countries() {}

  public record Money(String currency, double unitsPerUsd) {}

  private record Country(String code, Money money, double homeShare) {}

  public static Optional<Money> money(String country) {
    return Optional.ofNullable(BY_CODE.get(country)).map(Country::money);
  }

  /** A home country drawn in proportion to the shares. */
  public static String drawHome(SplittableRandom random) {
    return HOME.get(Draws.weighted(random, HOME_SHARES));
  }

  private static void add(String code, String currency, double unitsPerUsd, double homeShare) {
    BY_CODE.put(code, new Country(code, new Money(currency, unitsPerUsd), homeShare));
  }
}
