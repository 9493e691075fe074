package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureLogTest {
  private final AtomicLong clock = new AtomicLong(123_456_789L);
  private final FailureLog log = new FailureLog(LoggerFactory.getLogger(FailureLogTest.class), true, clock::get);

  @Test
  void shouldLogTheFirstFailureAtOnceAndThenOnlyCountUntilTheIntervalHasPassed() {
    assertThat(log.line("Redis rejected a command")).isEqualTo("Redis rejected a command");
    for (int i = 0; i < 99; i++) {
      clock.addAndGet(FailureLog.INTERVAL_NANOS / 100);
      assertThat(log.line("Redis rejected a command")).as("failure %d within the interval", i + 2).isNull();
    }
    clock.addAndGet(FailureLog.INTERVAL_NANOS / 100);
    assertThat(log.line("Redis rejected a command"))
        .isEqualTo("Redis rejected a command (99 more failures in the last 10 s)");
    clock.addAndGet(FailureLog.INTERVAL_NANOS);
    assertThat(log.line("Redis unavailable")).as("nothing counted since the last line").isEqualTo("Redis unavailable");
  }
}
