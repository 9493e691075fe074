package io.featurestore.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.InvalidInputException;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventInputTest {
  private static final EventJson JSON = new EventJson(FeatureRegistry.bundled());
  static final String LOGIN = "{\"user_id\":\"u0001\",\"ts\":1716998413541,\"device_id\":\"ios-9f02\",\"country\":\"US\",\"success\":true}";
  static final String TRANSACTION = "{\"user_id\":\"u0002\",\"ts\":1716998413541,\"amount\":92.40,\"currency\":\"USD\","
      + "\"country\":\"US\",\"merchant_id\":\"m042\"}";

  @Test
  void shouldReadJsonLinesSkippingBlankLines() {
    List<EventInput.Numbered> events = EventInput.parse(LOGIN + "\n\n" + TRANSACTION + "\r\n", "stdin", JSON);

    assertThat(events).extracting(EventInput.Numbered::line).containsExactly(1, 3);
    assertThat(events.get(0).event()).isEqualTo(new LoginEvent("u0001", 1716998413541L, "ios-9f02", "US", true));
    assertThat(events.get(1).event()).isEqualTo(
        new TransactionEvent("u0002", 1716998413541L, new BigDecimal("92.40"), "USD", "US", "m042"));
  }

  @Test
  void shouldReadAJsonArrayAndKeepEachElementsLine() {
    List<EventInput.Numbered> events = EventInput.parse("[\n  " + LOGIN + ",\n  " + TRANSACTION + "\n]\n", "f.json", JSON);

    assertThat(events).extracting(EventInput.Numbered::line).containsExactly(2, 3);
    assertThat(events.get(1).event()).isInstanceOf(TransactionEvent.class);
  }

  @Test
  void shouldNameEveryInvalidLineAndItsReason() {
    String text = LOGIN + "\n" + TRANSACTION.replace("\"amount\":92.40,", "") + "\n{not json\n" + LOGIN.replace("US", "usa");

    assertThatThrownBy(() -> EventInput.parse(text, "events.jsonl", JSON)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nothing sent: 3 of 4 events in events.jsonl are invalid")
        .hasMessageContaining("line 2: missing field 'amount'")
        .hasMessageContaining("line 3: malformed JSON")
        .hasMessageContaining("line 4: country must be an ISO 3166 alpha-2 code");
  }

  @Test
  void shouldNameTheBadElementOfAnArray() {
    String text = "[" + LOGIN + ",\n 42,\n" + LOGIN.replace("\"ts\":1716998413541", "\"ts\":\"soon\"") + "]";

    assertThatThrownBy(() -> EventInput.parse(text, "stdin", JSON))
        .hasMessageContaining("line 2 (element 2): ")
        .hasMessageContaining("line 3 (element 3): field 'ts'");
  }

  @Test
  void shouldRejectAnUnclosedArrayAndEmptyInput() {
    assertThatThrownBy(() -> EventInput.parse("[" + LOGIN + ",\n", "stdin", JSON)).hasMessageContaining("line 2");
    assertThatThrownBy(() -> EventInput.parse(" \n\n", "stdin", JSON)).hasMessageContaining("holds no events");
    assertThatThrownBy(() -> EventInput.parse("[]", "stdin", JSON)).hasMessageContaining("holds no events");
  }
}
