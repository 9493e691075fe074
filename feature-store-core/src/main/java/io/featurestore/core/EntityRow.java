package io.featurestore.core;

import java.util.Map;

/** One entity's batch features for a bulk load, values already encoded as wire strings. */
public record EntityRow(String entityId, Map<String, String> values) {
}
