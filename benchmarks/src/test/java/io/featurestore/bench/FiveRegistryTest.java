package io.featurestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRef;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureService;
import io.featurestore.core.FeatureSource;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The processor benchmark's {@code five} registry is the bundled one with only the first
 * processor's five stream features: it is a copy, so a change to the bundled registry that it
 * does not follow fails here rather than skewing the "bundled vs five" figures.
 */
class FiveRegistryTest {
  private static final Set<String> FIVE = Set.of("last_login_ts", "last_device_id", "session_country", "tx_count_5m",
      "failed_logins_15m");

  @Test
  void shouldBeTheBundledRegistryWithOnlyTheFirstProcessorsFiveStreamFeatures() throws Exception {
    FeatureRegistry bundled = FeatureRegistry.bundled();
    FeatureRegistry five;
    try (Reader in = new InputStreamReader(FiveRegistryTest.class.getResourceAsStream("/registries/five.yaml"),
        StandardCharsets.UTF_8)) {
      five = FeatureRegistry.parse(in, "five.yaml");
    }
    Predicate<FeatureDefinition> kept = f -> f.source() == FeatureSource.BATCH || FIVE.contains(f.name());

    assertThat(entities(five)).isEqualTo(entities(bundled));
    assertThat(five.batchTtlSeconds()).isEqualTo(bundled.batchTtlSeconds());
    assertThat(five.streamTtlSeconds()).isEqualTo(bundled.streamTtlSeconds());
    assertThat(five.declaredFeatures()).as("the bundled features, the first processor's five of them for streams")
        .containsExactlyElementsOf(bundled.declaredFeatures().stream().filter(kept).toList());
    Set<FeatureRef> removed = bundled.declaredFeatures().stream().filter(kept.negate())
        .map(f -> new FeatureRef(f.entity(), f.name())).collect(Collectors.toSet());
    assertThat(services(five)).as("the bundled services, without the removed features")
        .isEqualTo(bundled.allServices().values().stream().collect(Collectors.toMap(FeatureService::name,
            s -> s.members().stream().filter(m -> !removed.contains(m)).toList())));
  }

  private static List<String> entities(FeatureRegistry registry) {
    return registry.entities().stream().map(e -> e.name() + " " + e.keyPrefix() + " " + e.idPattern().pattern()).toList();
  }

  private static Map<String, List<FeatureRef>> services(FeatureRegistry registry) {
    return registry.allServices().values().stream().collect(Collectors.toMap(FeatureService::name, FeatureService::members));
  }
}
