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
}
