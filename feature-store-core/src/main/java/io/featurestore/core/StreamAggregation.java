package io.featurestore.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * What a streaming feature computes, as its registry entry declares it: over the events of
 * type {@code from} whose {@code key} field holds the entity id and whose fields equal every
 * {@code where} filter, the {@code aggregate} of {@code field} over a sliding {@code window}
 * of event time ({@code count}, {@code sum}, {@code mean}, {@code min}, {@code max}), or the
 * {@code field} of the latest event by event time ({@code last}, no window).
 *
 * @param where filter values in canonical text form ({@code true}/{@code false}, plain decimals)
 */
public record StreamAggregation(String from, String key, Map<String, String> where, Aggregate aggregate,
    Optional<String> field, Optional<Duration> window) {

  /** The aggregates a declaration can name. */
  public enum Aggregate {
    COUNT, SUM, MEAN, MIN, MAX, LAST;

    public String registryName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Every aggregate but {@code last} runs over a sliding window. */
    public boolean windowed() {
      return this != LAST;
    }

    /** {@code count} reads no field; every other aggregate reads one. */
    public boolean readsField() {
      return this != COUNT;
    }

    static Optional<Aggregate> fromRegistryName(String name) {
      for (Aggregate a : values()) {
        if (a.registryName().equals(name)) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }

    static String allowedNames() {
      StringJoiner names = new StringJoiner(", ");
      for (Aggregate a : values()) {
        names.add(a.registryName());
      }
      return names.toString();
    }
  }

  public StreamAggregation {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(aggregate, "aggregate");
    where = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(where));
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(window, "window");
    if (aggregate.windowed() != window.isPresent()) {
      throw new IllegalArgumentException(aggregate.registryName() + (aggregate.windowed() ? " needs" : " takes no") + " window");
    }
    if (aggregate.readsField() != field.isPresent()) {
      throw new IllegalArgumentException(aggregate.registryName() + (aggregate.readsField() ? " needs" : " takes no") + " field");
    }
  }

  /** A windowed aggregate. */
  public static StreamAggregation windowed(String from, String key, Map<String, String> where, Aggregate aggregate,
      String field, Duration window) {
    return new StreamAggregation(from, key, where, aggregate, Optional.ofNullable(field), Optional.of(window));
  }

  /** {@code last} of a field by event time. */
  public static StreamAggregation last(String from, String key, Map<String, String> where, String field) {
    return new StreamAggregation(from, key, where, Aggregate.LAST, Optional.of(field), Optional.empty());
  }

  /** Reads like the declaration: {@code count of transaction by user_id over 5m}, {@code last device_id of login by user_id where success=true}. */
  public String describe() {
    StringBuilder text = new StringBuilder(aggregate.registryName());
    field.ifPresent(f -> text.append(' ').append(f));
    text.append(" of ").append(from).append(" by ").append(key);
    if (!where.isEmpty()) {
      StringJoiner filters = new StringJoiner(", ", " where ", "");
      where.forEach((k, v) -> filters.add(k + "=" + v));
      text.append(filters);
    }
    window.ifPresent(w -> text.append(" over ").append(windowText(w)));
    return text.toString();
  }

  /** A window in the registry's notation: the largest of d, h, m, s that divides it. */
  public static String windowText(Duration window) {
    long s = window.getSeconds();
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
