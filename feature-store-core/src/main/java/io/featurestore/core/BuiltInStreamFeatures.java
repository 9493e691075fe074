package io.featurestore.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The declarations of the five streaming features the first processor computed in code
 * (last_login_ts, last_device_id, session_country, tx_count_5m, failed_logins_15m). A registry
 * in the old single-{@code entity:} shape may name these features without a declaration
 * (every registry written before declarations existed); they get these, so the processor
 * computes them as it always did.
 */
public final class BuiltInStreamFeatures {
  private static final Map<String, StreamAggregation> DECLARATIONS = new LinkedHashMap<>();

  static {
    Map<String, String> successful = Map.of("success", "true");
    DECLARATIONS.put("last_login_ts", StreamAggregation.last("login", "user_id", successful, "ts"));
    DECLARATIONS.put("last_device_id", StreamAggregation.last("login", "user_id", successful, "device_id"));
    DECLARATIONS.put("session_country", StreamAggregation.last("login", "user_id", successful, "country"));
    DECLARATIONS.put("tx_count_5m", StreamAggregation.windowed("transaction", "user_id", Map.of(),
        StreamAggregation.Aggregate.COUNT, null, Duration.ofMinutes(5)));
    DECLARATIONS.put("failed_logins_15m", StreamAggregation.windowed("login", "user_id", Map.of("success", "false"),
        StreamAggregation.Aggregate.COUNT, null, Duration.ofMinutes(15)));
  }

  private BuiltInStreamFeatures() {}

  /** What the processor computes for this feature name, if it computes one of that name. */
  public static Optional<StreamAggregation> declaration(String featureName) {
    return Optional.ofNullable(DECLARATIONS.get(featureName));
  }

  public static java.util.Set<String> names() {
    return java.util.Collections.unmodifiableSet(DECLARATIONS.keySet());
  }
}
