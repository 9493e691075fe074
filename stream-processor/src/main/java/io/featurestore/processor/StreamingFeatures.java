package io.featurestore.processor;

import io.featurestore.core.BuiltInStreamFeatures;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import java.util.List;

/**
 * The streaming features this processor computes; the registry must declare each as a stream
 * feature of its first entity, with no declaration (the old registry shape) or exactly
 * {@link BuiltInStreamFeatures}' one. Other declared stream features are not computed yet.
 */
final class StreamingFeatures {
  static final String LAST_LOGIN_TS = "last_login_ts";
  static final String LAST_DEVICE_ID = "last_device_id";
  static final String SESSION_COUNTRY = "session_country";
  static final String TX_COUNT_5M = "tx_count_5m";
  static final String FAILED_LOGINS_15M = "failed_logins_15m";
  static final List<String> ALL = List.of(LAST_LOGIN_TS, LAST_DEVICE_ID, SESSION_COUNTRY, TX_COUNT_5M, FAILED_LOGINS_15M);

  private StreamingFeatures() {}

  static void requireDeclaredIn(FeatureRegistry registry) {
    for (String name : ALL) {
      // A declaration this processor does not compute would be written with the wrong values.
      registry.declaredFeature(registry.entityName(), name).flatMap(FeatureDefinition::aggregation)
          .filter(declared -> !BuiltInStreamFeatures.declaration(name).orElseThrow().equals(declared))
          .ifPresent(declared -> {
            throw new IllegalArgumentException("the feature registry declares '" + name + "' as "
                + declared.describe() + ", but the stream processor computes "
                + BuiltInStreamFeatures.declaration(name).orElseThrow().describe());
          });
      FeatureDefinition f = registry.feature(name).orElseThrow(() -> new IllegalArgumentException(
          "the feature registry does not declare '" + name + "', which the stream processor writes"));
      if (f.source() != FeatureSource.STREAM) {
        throw new IllegalArgumentException("the feature registry declares '" + name + "' as " + f.source()
            + ", but the stream processor writes it: it must be a stream feature");
      }
    }
  }
}
