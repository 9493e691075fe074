package io.featurestore.simulator;

import io.featurestore.cli.KafkaSecurity;
import io.featurestore.core.FeatureRegistry;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the simulator sends and which registry checks the user ids.
 *
 * @param bootstrapServers {@code --bootstrap-servers} / {@code KAFKA_BOOTSTRAP_SERVERS}, default {@code localhost:9092}
 * @param kafkaSecurity    {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_*}, {@code KAFKA_SSL_TRUSTSTORE_*}
 * @param registryFile     {@code --registry} / {@code FS_REGISTRY_FILE}; empty means the bundled registry
 */
record SimulatorSettings(String bootstrapServers, KafkaSecurity kafkaSecurity, Optional<Path> registryFile) {
  FeatureRegistry loadRegistry() {
    return registryFile.map(FeatureRegistry::load).orElseGet(FeatureRegistry::bundled);
  }
}
