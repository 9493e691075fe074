package io.featurestore.simulator;

import io.featurestore.events.Event;
import java.util.function.Consumer;

/** Where a {@link Simulation} sends its events: Kafka in the CLI, a list in tests. */
interface EventSink {
  /**
   * Hands the event over; may block for back-pressure. {@code done} is called once, later and
   * possibly on another thread, with {@code null} when the event is acknowledged or with the
   * reason it failed.
   */
  void send(Event event, Consumer<Exception> done);

  /** Returns when every event handed over so far is acknowledged or has failed. */
  void flush();

  static EventSink of(EventPublisher publisher) {
    return new EventSink() {
      @Override
      public void send(Event event, Consumer<Exception> done) {
        publisher.send(event, (metadata, exception) -> done.accept(exception));
      }

      @Override
      public void flush() {
        publisher.flush();
      }
    };
  }
}
