package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class RepartitionSerdeTest {
  private final org.apache.kafka.common.serialization.Serde<Event> serde = RepartitionSerde.serde();

  private Event roundTrip(Event event) {
    return serde.deserializer().deserialize("t", serde.serializer().serialize("t", event));
  }

  @Test
  void shouldCarryEveryFieldOfBothEventTypesExactly() {
    TransactionEvent tx = new TransactionEvent("u0001", 1716998413541L, new BigDecimal("92.40"), "USD", "US", "m0042");
    LoginEvent login = new LoginEvent("u0001", 1716998413541L, "ios-9f02", "DE", false);
    assertThat(roundTrip(tx)).isEqualTo(tx);
    assertThat(((TransactionEvent) roundTrip(tx)).amount().toPlainString()).as("scale kept").isEqualTo("92.40");
    assertThat(roundTrip(login)).isEqualTo(login);
    TransactionEvent large = new TransactionEvent("u2", -5, new BigDecimal("-123456789012345678901234567890.123"), "EUR",
        "FR", "m-ü");
    assertThat(roundTrip(large)).isEqualTo(large);
  }
}
