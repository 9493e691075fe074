package io.featurestore.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One event type as the registry sees it: its name ({@code from:} in a declaration) and its
 * JSON fields (snake_case) with their kinds. The registry validates streaming declarations
 * against {@link #ALL}; the {@code events} module holds the records themselves and a test
 * that fails when they and this schema drift apart (core cannot depend on that module).
 */
public record EventSchema(String type, Map<String, Kind> fields) {

  /** What a field holds, which decides the aggregates and filters it can take. */
  public enum Kind {
    STRING,
    /** A decimal number (JSON number): the fields {@code sum}, {@code mean}, {@code min}, {@code max} read. */
    NUMBER,
    BOOL,
    /** Epoch milliseconds (JSON integer). */
    TIMESTAMP;

    public String registryName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final EventSchema LOGIN = new EventSchema("login", fields(
      "user_id", Kind.STRING, "ts", Kind.TIMESTAMP, "device_id", Kind.STRING, "country", Kind.STRING,
      "success", Kind.BOOL));
  public static final EventSchema TRANSACTION = new EventSchema("transaction", fields(
      "user_id", Kind.STRING, "ts", Kind.TIMESTAMP, "amount", Kind.NUMBER, "currency", Kind.STRING,
      "country", Kind.STRING, "merchant_id", Kind.STRING));
  /** Every event type, in the order error messages list them. */
  public static final List<EventSchema> ALL = List.of(LOGIN, TRANSACTION);

  public EventSchema {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public static Optional<EventSchema> of(String type) {
    return ALL.stream().filter(s -> s.type.equals(type)).findFirst();
  }

  public Optional<Kind> kind(String field) {
    return Optional.ofNullable(fields.get(field));
  }

  private static Map<String, Kind> fields(Object... nameKindPairs) {
    Map<String, Kind> out = new LinkedHashMap<>();
    for (int i = 0; i < nameKindPairs.length; i += 2) {
      out.put((String) nameKindPairs[i], (Kind) nameKindPairs[i + 1]);
    }
    return out;
  }
}
