package io.featurestore.events;

import java.util.List;

/** The Kafka topics of the pipeline. Events are keyed by {@code user_id}. */
public final class Topics {
  public static final String LOGIN = "events.login";
  public static final String TRANSACTION = "events.transaction";
  /** Records that could not be used, with the reason and their origin in headers. */
  public static final String DLQ = "events.dlq";

  public static final List<String> ALL = List.of(LOGIN, TRANSACTION, DLQ);

  private Topics() {}

  /** The topic of an event type ({@code login}, {@code transaction}), as the registry names it. */
  public static String of(String eventType) {
    switch (eventType) {
      case LoginEvent.TYPE:
        return LOGIN;
      case TransactionEvent.TYPE:
        return TRANSACTION;
      default:
        throw new IllegalArgumentException("no topic for event type '" + eventType + "'");
    }
  }
}
