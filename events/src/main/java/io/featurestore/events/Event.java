package io.featurestore.events;

/** What every event has: the user it is about and its event time (epoch millis). */
public sealed interface Event permits LoginEvent, TransactionEvent {
  String userId();

  long ts();
}
