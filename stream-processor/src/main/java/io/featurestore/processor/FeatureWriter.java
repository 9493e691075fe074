package io.featurestore.processor;

import io.featurestore.core.StreamingUpdate;
import java.util.List;

/** Where the processor's feature writes go: the Redis feature store in production. */
@FunctionalInterface
public interface FeatureWriter {
  /** Writes every update (atomically per entity) or throws; must be safe to call again with the same updates. */
  void write(List<StreamingUpdate> updates);
}
