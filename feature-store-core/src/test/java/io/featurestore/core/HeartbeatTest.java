package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
  @Test
  void shouldRoundTripStatusReasonAndSinceEvenWhenTheReasonHoldsSeparators() {
    Heartbeat beat = new Heartbeat("host@1", "RUNNING", 1_000, 900, 42, "FAILING",
        "task 0_1: SinkUnavailableException: a=b; c=d % ünïcode", 800);

    assertThat(Heartbeat.decode("host@1", beat.encode())).isEqualTo(beat);
  }

  @Test
  void shouldReadAnOlderHeartbeatWithoutStatusAsOk() {
    Heartbeat old = Heartbeat.decode("host@1", "state=RUNNING;written_at_ms=1000;last_event_ts_ms=900;events_total=42");

    assertThat(old).isEqualTo(new Heartbeat("host@1", "RUNNING", 1_000, 900, 42));
    assertThat(old.status()).isEqualTo("OK");
    assertThat(old.ok()).isTrue();
    assertThat(old.reason()).isEmpty();
    assertThat(old.statusSinceMs()).isEqualTo(-1);
  }

  @Test
  void shouldIgnoreUnknownKeysAndKeepGarbledNumbersAsUnknown() {
    Heartbeat beat = Heartbeat.decode("x", "state=RUNNING;future=1;status=STALLED;status_since_ms=oops;reason=%zz");

    assertThat(beat.status()).isEqualTo("STALLED");
    assertThat(beat.statusSinceMs()).isEqualTo(-1);
    assertThat(beat.reason()).isEqualTo("%zz");
    assertThat(beat.writtenAtMs()).isEqualTo(-1);
  }

  @Test
  void shouldBoundTheReason() {
    Heartbeat beat = new Heartbeat("x", "RUNNING", 1, 1, 1, "FAILING", "r".repeat(5_000), 1);

    assertThat(beat.reason()).hasSize(Heartbeat.MAX_REASON).endsWith("…");
  }

  @Test
  void shouldRoundTripThePartitionsAnInstanceOwnsInTopicThenNumberOrder() {
    Heartbeat beat = new Heartbeat("host@1", "RUNNING", 1_000, 900, 42, "OK", "", -1,
        List.of("events.transaction-10", "events.login-10", "events.login-2", "events.transaction-2"));

    assertThat(beat.partitions())
        .containsExactly("events.login-2", "events.login-10", "events.transaction-2", "events.transaction-10");
    assertThat(Heartbeat.decode("host@1", beat.encode())).isEqualTo(beat);
  }

  @Test
  void shouldReadAHeartbeatWithoutPartitionsAsOwningNone() {
    Heartbeat old = Heartbeat.decode("host@1",
        "state=RUNNING;written_at_ms=1000;last_event_ts_ms=900;events_total=42;status=OK;status_since_ms=-1;reason=");

    assertThat(old.partitions()).isEmpty();
    assertThat(old).isEqualTo(new Heartbeat("host@1", "RUNNING", 1_000, 900, 42));
    assertThat(Heartbeat.decode("x", "state=REBALANCING;partitions=").partitions()).isEmpty();
  }
}
