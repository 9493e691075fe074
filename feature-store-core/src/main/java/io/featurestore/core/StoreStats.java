package io.featurestore.core;

import java.util.Map;

/**
 * A census of the entities under the prefix.
 *
 * @param entities        keys under the prefix
 * @param sampleKeyTtls   a few entity ids with their key TTL in seconds ({@code -1} = none)
 */
public record StoreStats(long entities, Map<String, Long> sampleKeyTtls) {
}
