package io.featurestore.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventJsonTest {
  private static final long TS = 1716998413541L;
  private final EventJson json = new EventJson(FeatureRegistry.bundled());

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldParseTheDesignExamples() {
    LoginEvent login = json.parseLogin(bytes(
        "{\"user_id\":\"u0001\",\"ts\":1716998413541,\"device_id\":\"ios-9f02\",\"country\":\"US\",\"success\":true}"));
    assertThat(login).isEqualTo(new LoginEvent("u0001", TS, "ios-9f02", "US", true));

    TransactionEvent tx = json.parseTransaction(bytes(
        "{\"user_id\":\"u0001\",\"ts\":1716998413541,\"amount\":92.40,\"currency\":\"USD\",\"country\":\"US\",\"merchant_id\":\"m042\"}"));
    assertThat(tx).isEqualTo(new TransactionEvent("u0001", TS, new BigDecimal("92.40"), "USD", "US", "m042"));
  }

  @Test
  void shouldWriteSnakeCaseAndReadItBack() {
    TransactionEvent tx = new TransactionEvent("u0002", TS, new BigDecimal("12.5"), "EUR", "DE", "m1");
    assertThat(new String(json.write(tx), StandardCharsets.UTF_8)).contains("\"user_id\":\"u0002\"", "\"merchant_id\":\"m1\"");
    assertThat(json.parseAny(json.write(tx))).isEqualTo(tx);
    LoginEvent login = new LoginEvent("u0002", TS, "web-1", "DE", false);
    assertThat(json.parseAny(json.write(login))).isEqualTo(login);
  }

  @Test
  void shouldIgnoreUnknownFields() {
    assertThat(json.parseLogin(bytes("{\"user_id\":\"u1\",\"ts\":1716998413541,\"device_id\":\"d\",\"country\":\"US\","
        + "\"success\":false,\"ip\":\"10.0.0.1\"}")).success()).isFalse();
  }

  /** A login with one field replaced: {@code "NAME":VALUE} for the field named, the rest valid. */
  private static String login(String field, String value) {
    String valid = "\"user_id\":\"u1\",\"ts\":1716998413541,\"device_id\":\"d\",\"country\":\"US\",\"success\":true";
    String withField = valid.replaceFirst("\"" + field + "\":[^,]*", value == null ? "" : "\"" + field + "\":" + value);
    return "{" + withField.replace(",,", ",").replaceAll("^,|,$", "") + "}";
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "device_id|            |missing field 'device_id'",
      "ts|                   |missing field 'ts'",
      "ts|\"yesterday\"      |field 'ts'",
      "success|\"yes\"       |field 'success'",
      "user_id|\"u 1\"       |malformed user_id 'u 1'",
      "ts|1716998413         |ts must be epoch milliseconds"})
  void shouldNameTheProblemOfABadLoginField(String field, String value, String problem) {
    assertThatThrownBy(() -> json.parseLogin(bytes(login(field, value)))).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void shouldNameTheProblemOfEveryBadRecord() {
    assertThatThrownBy(() -> json.parseLogin(bytes("{not json"))).isInstanceOf(InvalidEventException.class)
        .hasMessageStartingWith("malformed JSON");
    assertThatThrownBy(() -> json.parseTransaction(bytes("{\"user_id\":\"u1\",\"ts\":1716998413541,\"amount\":-1,\"currency\":\"usd\",\"country\":\"USA\",\"merchant_id\":\"m\"}")))
        .hasMessageContaining("amount must be >= 0").hasMessageContaining("currency must be").hasMessageContaining("country must be");
    // Any larger amount would make a sum infinite, and then NaN once it leaves the window.
    assertThatThrownBy(() -> json.parseTransaction(bytes("{\"user_id\":\"u1\",\"ts\":1716998413541,\"amount\":1e400,"
        + "\"currency\":\"USD\",\"country\":\"US\",\"merchant_id\":\"m\"}")))
        .hasMessageContaining("amount must be <= 1000000000000000, not 1E+400");
    assertThat(json.parseTransaction(bytes("{\"user_id\":\"u1\",\"ts\":1716998413541,\"amount\":1000000000000000,"
        + "\"currency\":\"USD\",\"country\":\"US\",\"merchant_id\":\"m\"}")).amount()).isEqualByComparingTo("1e15");
    assertThatThrownBy(() -> json.parseTransaction(bytes("[1,2]"))).isInstanceOf(InvalidEventException.class);
    assertThatThrownBy(() -> json.parseTransaction(bytes("null"))).isInstanceOf(InvalidEventException.class);
    assertThatThrownBy(() -> json.parseTransaction(null)).hasMessage("empty record value");
    assertThatThrownBy(() -> json.parseAny(bytes("{\"user_id\":\"u1\"}"))).hasMessageContaining("neither a login");
  }

  @Test
  void shouldRejectAnEventFromTheFarFuture() {
    long future = System.currentTimeMillis() + 2 * 24 * 3600 * 1000L;
    assertThatThrownBy(() -> json.validate(new LoginEvent("u1", future, "d", "US", true)))
        .hasMessageContaining("more than a day in the future");
  }
}
