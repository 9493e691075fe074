package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.infra.junit.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SimulationTest {
  /** Acknowledges every event at once. */
  static final class ListSink implements EventSink {
    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void send(Event event, Consumer<Exception> done) {
      events.add(event);
      done.accept(null);
    }

    @Override
    public void flush() {}
  }

  private static Simulation simulation(EventSink sink, double rate, long count, Duration duration) {
    return simulation(sink, rate, count, duration, System::nanoTime);
  }

  private static Simulation simulation(EventSink sink, double rate, long count, Duration duration, LongSupplier nanoTime) {
    return new Simulation(new EventGenerator(100, 42, 0.01, System::currentTimeMillis), sink, rate, count, duration,
        nanoTime);
  }

  @Test
  void shouldStopAfterExactlyTheCountAndSummariseByType() {
    ListSink sink = new ListSink();
    Simulation.Summary summary = simulation(sink, 10_000, 500, null).run();

    assertThat(sink.events).hasSize(500);
    assertThat(summary.events()).isEqualTo(500);
    assertThat(summary.logins() + summary.transactions()).isEqualTo(500);
    assertThat(summary.logins()).isEqualTo(sink.events.stream().filter(e -> e instanceof LoginEvent).count());
    assertThat(summary.failure()).isNull();
    assertThat(summary.line()).startsWith("sent 500 events in ").contains("events/s", "logins", "transactions")
        .doesNotContain("stopped early");
  }

  @Test
  void shouldHoldTheTargetRateForADuration() {
    ListSink sink = new ListSink();
    // A clock that moves 5 ms at every look, however fast or slow this machine runs the loop.
    AtomicLong clock = new AtomicLong();
    Simulation.Summary summary = simulation(sink, 2_000, Long.MAX_VALUE, Duration.ofMillis(1_500),
        () -> clock.addAndGet(5_000_000)).run();

    assertThat(summary.seconds()).isBetween(1.49, 2.0);
    assertThat(summary.events()).isBetween(2_700L, 3_010L);
  }

  @Test
  void shouldEndCleanlyWhenStopped() throws Exception {
    ListSink sink = new ListSink();
    Simulation simulation = simulation(sink, 1_000, Long.MAX_VALUE, null);
    CompletableFuture<Simulation.Summary> running = CompletableFuture.supplyAsync(simulation::run);
    Await.until("50 events sent", Duration.ofSeconds(10), () -> sink.events.size() >= 50);
    simulation.stop();

    Simulation.Summary summary = running.get(10, TimeUnit.SECONDS);
    assertThat(summary.events()).isEqualTo(sink.events.size()).isGreaterThanOrEqualTo(50);
    assertThat(summary.line()).contains("stopped early");
  }

  @Test
  void shouldEndAndReportWhenTheSinkFails() {
    EventSink broken = new EventSink() {
      private int sent;

      @Override
      public void send(Event event, Consumer<Exception> done) {
        if (++sent > 10) {
          throw new IllegalStateException("broker gone");
        }
        done.accept(sent % 2 == 0 ? new IllegalStateException("not acknowledged") : null);
      }

      @Override
      public void flush() {}
    };
    Simulation.Summary summary = simulation(broken, 10_000, 100, null).run();

    assertThat(summary.events()).isEqualTo(5);
    assertThat(summary.failed()).isEqualTo(5);
    assertThat(summary.failure()).hasMessage("broker gone");
  }
}
