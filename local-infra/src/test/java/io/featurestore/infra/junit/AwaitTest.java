package io.featurestore.infra.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void shouldReturnTheFirstAcceptedValueAndTreatExceptionsAsNotYet() {
    AtomicInteger calls = new AtomicInteger();
    int value = Await.value("the third call", Duration.ofSeconds(10), () -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("not ready");
      }
      return calls.get();
    }, n -> n >= 3);

    assertThat(value).isEqualTo(3);
  }

  @Test
  void shouldEndTheWaitAtOnceWhenTheConditionFailsAnAssertion() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> Await.until("never", Duration.ofMinutes(5), () -> {
      calls.incrementAndGet();
      throw new AssertionError("the process exited");
    })).isInstanceOf(AssertionError.class).hasMessage("the process exited");
    assertThat(calls).hasValue(1);
  }

  @Test
  void shouldFailNamingWhatWasAwaitedAndTheLastValueSeenOnceTheDeadlinePasses() {
    assertThatThrownBy(() -> Await.value("a positive number", Duration.ofMillis(120), () -> -7, n -> n > 0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a positive number").hasMessageContaining("last seen: -7");
    assertThatThrownBy(() -> Await.until("never", Duration.ofMillis(50), () -> {
      throw new IllegalStateException("boom");
    })).hasMessageContaining("never").hasMessageContaining("boom").hasCauseInstanceOf(IllegalStateException.class);
  }
}
