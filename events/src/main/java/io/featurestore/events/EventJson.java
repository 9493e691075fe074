package io.featurestore.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.featurestore.core.FeatureRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JSON form of events (snake_case, unknown fields ignored) and their validation. Both
 * the simulator (before sending) and the processor (on receipt) use it, so an event the
 * simulator accepts is one the processor accepts.
 */
public final class EventJson {
  /**
   * The largest amount a transaction may carry: far above any real payment, and small enough that
   * the processor's sums and means, in doubles, can neither overflow nor lose a cent below 10^13.
   */
  public static final BigDecimal MAX_AMOUNT = new BigDecimal("1000000000000000");
  private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  /** Events stamped further in the future than this are rejected: a clock or unit error (seconds vs millis). */
  static final long MAX_FUTURE_SKEW_MS = 24L * 3600 * 1000;
  /** Before 2001-09-09 in millis: an epoch-seconds timestamp lands here. */
  static final long MIN_TS = 1_000_000_000_000L;

  private final ObjectMapper mapper;
  private final FeatureRegistry registry;

  public EventJson(FeatureRegistry registry) {
    this.registry = registry;
    this.mapper = JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();
    // A wrongly typed field is an error, not a guess: "ts":"123" or "success":"yes" are rejected.
    for (LogicalType type : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
  }

  public LoginEvent parseLogin(byte[] json) {
    LoginEvent event = read(json, LoginEvent.class);
    List<String> problems = common(event);
    requireText(problems, "device_id", event.deviceId(), 128);
    requireCountry(problems, event.country());
    return valid(event, problems);
  }

  public TransactionEvent parseTransaction(byte[] json) {
    TransactionEvent event = read(json, TransactionEvent.class);
    List<String> problems = common(event);
    if (event.amount() == null) {
      problems.add("missing field 'amount'");
    } else if (event.amount().signum() < 0) {
      problems.add("amount must be >= 0, not " + event.amount().toPlainString());
    } else if (event.amount().compareTo(MAX_AMOUNT) > 0) {
      problems.add("amount must be <= " + MAX_AMOUNT.toPlainString() + ", not " + event.amount());
    }
    if (event.currency() == null) {
      problems.add("missing field 'currency'");
    } else if (!CURRENCY.matcher(event.currency()).matches()) {
      problems.add("currency must be an ISO 4217 code like USD, not '" + event.currency() + "'");
    }
    requireCountry(problems, event.country());
    requireText(problems, "merchant_id", event.merchantId(), 128);
    return valid(event, problems);
  }

  /** Validates an event built in code (the simulator's) by the same rules as a received one. */
  public Event validate(Event event) {
    byte[] json = write(event);
    return event instanceof LoginEvent ? parseLogin(json) : parseTransaction(json);
  }

  public byte[] write(Event event) {
    try {
      return mapper.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + event, e);
    }
  }

  /** Parses any event JSON, telling login from transaction by its fields. */
  public Event parseAny(byte[] json) {
    JsonNode node;
    try {
      node = mapper.readTree(json);
    } catch (IOException e) {
      throw new InvalidEventException("malformed JSON: " + shortMessage(e));
    }
    if (node == null || !node.isObject()) {
      throw new InvalidEventException("expected a JSON object");
    }
    if (node.has("amount") || node.has("merchant_id") || node.has("currency")) {
      return parseTransaction(json);
    }
    if (node.has("success") || node.has("device_id")) {
      return parseLogin(json);
    }
    throw new InvalidEventException("neither a login (device_id, success) nor a transaction (amount, currency, merchant_id)");
  }

  private <T> T read(byte[] json, Class<T> type) {
    if (json == null) {
      throw new InvalidEventException("empty record value");
    }
    try {
      T value = mapper.readValue(json, type);
      if (value == null) {
        throw new InvalidEventException("expected a JSON object, got null");
      }
      return value;
    } catch (MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
      if (field != null && e.getMessage() != null && e.getMessage().startsWith("Missing")) {
        throw new InvalidEventException("missing field '" + field + "'");
      }
      throw new InvalidEventException((field == null ? "" : "field '" + field + "': ") + "wrong type or shape: "
          + shortMessage(e));
    } catch (IOException e) {
      throw new InvalidEventException("malformed JSON: " + shortMessage(e));
    }
  }

  private List<String> common(Event event) {
    List<String> problems = new ArrayList<>();
    if (event.userId() == null) {
      problems.add("missing field 'user_id'");
    } else if (!registry.isValidEntityId(event.userId())) {
      problems.add("malformed user_id '" + abbreviate(event.userId()) + "': must match " + registry.idPattern());
    }
    if (event.ts() < MIN_TS) {
      problems.add("ts must be epoch milliseconds, not " + event.ts());
    } else if (event.ts() > System.currentTimeMillis() + MAX_FUTURE_SKEW_MS) {
      problems.add("ts " + event.ts() + " is more than a day in the future");
    }
    return problems;
  }

  private static void requireText(List<String> problems, String name, String value, int maxLength) {
    if (value == null || value.isBlank()) {
      problems.add("missing field '" + name + "'");
    } else if (value.length() > maxLength) {
      problems.add(name + " is longer than " + maxLength + " characters");
    }
  }

  private static void requireCountry(List<String> problems, String country) {
    if (country == null) {
      problems.add("missing field 'country'");
    } else if (!COUNTRY.matcher(country).matches()) {
      problems.add("country must be an ISO 3166 alpha-2 code like US, not '" + abbreviate(country) + "'");
    }
  }

  private static <E> E valid(E event, List<String> problems) {
    if (!problems.isEmpty()) {
      throw new InvalidEventException(String.join("; ", problems));
    }
    return event;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  private static String shortMessage(IOException e) {
    String message = e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
  }
}
