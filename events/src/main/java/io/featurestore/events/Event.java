package io.featurestore.events;

import java.math.BigDecimal;

/**
 * What every event has: the user it is about and its event time (epoch millis), and its
 * fields by their JSON names, which is how registry declarations read them ({@code key},
 * {@code where}, {@code field}).
 */
public sealed interface Event permits LoginEvent, TransactionEvent {
  String userId();

  long ts();

  /** The event type as the registry names it ({@code from:}): {@code login} or {@code transaction}. */
  String type();

  /**
   * A field by its JSON name: a {@code String}, a {@code Long} ({@code ts}), a
   * {@link BigDecimal} (numbers) or a {@code Boolean}; {@code null} for a field this event type
   * does not have or that is absent.
   */
  default Object field(String name) {
    switch (name) {
      case "user_id":
        return userId();
      case "ts":
        return ts();
      default:
        return ownField(name);
    }
  }

  /** A field of this event type's own (not {@code user_id} or {@code ts}), as {@link #field} gives it. */
  Object ownField(String name);

  /**
   * A field in the canonical text form of registry filters: {@code true}/{@code false}, plain
   * decimals without trailing zeros, epoch millis, or the string itself; {@code null} when absent.
   */
  default String fieldText(String name) {
    Object value = field(name);
    if (value instanceof BigDecimal number) {
      return number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString();
    }
    return value == null ? null : value.toString();
  }

  /** A numeric field (a number or a timestamp) as a double; NaN when absent or not numeric. */
  default double fieldNumber(String name) {
    Object value = field(name);
    if (value instanceof BigDecimal number) {
      return number.doubleValue();
    }
    if (value instanceof Long millis) {
      return millis;
    }
    return Double.NaN;
  }
}
