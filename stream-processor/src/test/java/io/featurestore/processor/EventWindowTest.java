package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventWindowTest {

  @Test
  void shouldCountOnlyEventsInsideTheHalfOpenWindow() {
    EventWindow w = new EventWindow(1000);
    w.add(100, 1);
    w.add(500, 2);
    w.add(1500, 3);
    assertThat(w.count(1099)).isEqualTo(2);
    assertThat(w.count(1100)).isEqualTo(1); // ts 100 = now - width: outside
    assertThat(w.count(1499)).isEqualTo(1);
    assertThat(w.count(1500)).isEqualTo(1); // 500 left as 1500 entered
  }

  @Test
  void shouldIgnoreTheSameEventTwice() {
    EventWindow w = new EventWindow(1000);
    assertThat(w.add(100, 7)).isTrue();
    assertThat(w.add(100, 7)).isFalse();
    assertThat(w.add(100, 8)).isTrue();
    assertThat(w.count(100)).isEqualTo(2);
  }

  @Test
  void shouldKeepEventsSortedWhateverTheArrivalOrder() {
    EventWindow w = new EventWindow(1000);
    for (long ts : new long[] {900, 100, 500, 300, 700}) {
      w.add(ts, ts);
    }
    for (int i = 1; i < w.size(); i++) {
      assertThat(w.tsAt(i)).isGreaterThanOrEqualTo(w.tsAt(i - 1));
    }
  }

  @Test
  void shouldEvictAndTellWhenTheCountChangesNext() {
    EventWindow w = new EventWindow(1000);
    w.add(100, 1);
    w.add(600, 2);
    w.add(2000, 3);
    assertThat(w.nextChangeAt(700)).isEqualTo(1100);
    w.evict(1100);
    assertThat(w.size()).isEqualTo(2);
    assertThat(w.nextChangeAt(1100)).isEqualTo(1600);
    w.evict(1700);
    assertThat(w.nextChangeAt(1700)).as("a future event enters").isEqualTo(2000);
    w.evict(5000);
    assertThat(w.isEmpty()).isTrue();
    assertThat(w.nextChangeAt(5000)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void shouldRoundTripUserStateThroughItsSerde() {
    UserState s = new UserState();
    s.transactions.add(1000, 1);
    s.transactions.add(900, 2);
    s.failedLogins.add(800, 3);
    s.lastLoginTs = 1234;
    s.lastDeviceId = "ios-1";
    s.lastCountry = "DE";
    s.lastLoginProcessedAt = 5678;
    s.writtenTxCount = 2;
    s.leaseRenewAt = 99;
    var serde = UserState.serde();
    UserState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", s));
    assertThat(back.transactions.count(1000)).isEqualTo(2);
    assertThat(back.transactions.add(900, 2)).isFalse();
    assertThat(back.failedLogins.count(800)).isEqualTo(1);
    assertThat(back.lastDeviceId).isEqualTo("ios-1");
    assertThat(back.lastCountry).isEqualTo("DE");
    assertThat(back.lastLoginTs).isEqualTo(1234);
    assertThat(back.lastLoginProcessedAt).isEqualTo(5678);
    assertThat(back.writtenTxCount).isEqualTo(2);
    assertThat(back.leaseRenewAt).isEqualTo(99);
  }

  @Test
  void shouldReadEventTimeFromTheJsonTsField() {
    assertThat(EventTimeExtractor.eventTime("{\"user_id\":\"u1\",\"nested\":{\"ts\":1},\"ts\":1716998413541}".getBytes()))
        .isEqualTo(1716998413541L);
    assertThat(EventTimeExtractor.eventTime("{\"ts\":\"soon\"}".getBytes())).isEqualTo(-1);
    assertThat(EventTimeExtractor.eventTime("{broken".getBytes())).isEqualTo(-1);
    assertThat(EventTimeExtractor.eventTime("[1]".getBytes())).isEqualTo(-1);
  }
}
