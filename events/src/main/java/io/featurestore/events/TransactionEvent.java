package io.featurestore.events;

import java.math.BigDecimal;

/**
 * A card transaction. JSON: {@code {"user_id":"u0001","ts":1716998413541,"amount":92.40,
 * "currency":"USD","country":"US","merchant_id":"m042"}}.
 */
public record TransactionEvent(String userId, long ts, BigDecimal amount, String currency, String country,
    String merchantId) implements Event {
  public static final String TYPE = "transaction";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Object ownField(String name) {
    switch (name) {
      case "amount":
        return amount;
      case "currency":
        return currency;
      case "country":
        return country;
      case "merchant_id":
        return merchantId;
      default:
        return null;
    }
  }
}
