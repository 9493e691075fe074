package io.featurestore.simulator;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.StoreSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the simulator sends and which registry checks the user ids: from the environment
 * (same names as every other module), each overridden by its flag.
 *
 * @param bootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}, default {@code localhost:9092}
 * @param store            {@code FS_REGISTRY_FILE} and the other shared settings
 */
record SimulatorSettings(String bootstrapServers, StoreSettings store) {
  static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
  static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

  static SimulatorSettings of(Map<String, String> env, String bootstrapServersFlag, Path registryFlag) {
    StoreSettings fromEnv = StoreSettings.fromEnv(env);
    StoreSettings store = registryFlag == null ? fromEnv : new StoreSettings(fromEnv.redisUrl(),
        Optional.of(registryFlag), fromEnv.keyPrefix(), fromEnv.batchTtlSeconds(), fromEnv.streamTtlSeconds());
    String bootstrap = bootstrapServersFlag != null && !bootstrapServersFlag.isBlank() ? bootstrapServersFlag.trim()
        : Optional.ofNullable(env.get(BOOTSTRAP_SERVERS)).filter(v -> !v.isBlank()).map(String::trim)
            .orElse(DEFAULT_BOOTSTRAP_SERVERS);
    return new SimulatorSettings(bootstrap, store);
  }

  FeatureRegistry loadRegistry() {
    return store.loadRegistry();
  }
}
