package io.featurestore.events;

import java.math.BigDecimal;

/**
 * A card transaction. JSON: {@code {"user_id":"u0001","ts":1716998413541,"amount":92.40,
 * "currency":"USD","country":"US","merchant_id":"m042"}}.
 */
public record TransactionEvent(String userId, long ts, BigDecimal amount, String currency, String country,
    String merchantId) implements Event {
}
