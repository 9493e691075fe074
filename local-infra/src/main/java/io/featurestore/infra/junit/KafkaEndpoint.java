package io.featurestore.infra.junit;

/** Where the test run's Kafka broker listens: {@code host:port}, ready for {@code bootstrap.servers}. */
public record KafkaEndpoint(String bootstrapServers) {}
