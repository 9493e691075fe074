package io.featurestore.processor;

import io.featurestore.core.StreamingUpdate;
import io.featurestore.core.WriteRejection;
import java.util.List;

/** Where the processor's feature writes go: the Redis feature store in production. */
@FunctionalInterface
public interface FeatureWriter {
  /**
   * Writes every update (atomically per entity), except those the store refuses for a reason
   * of their own key, which it returns; throws when the store is unavailable. Must be safe to
   * call again with the same updates.
   */
  List<WriteRejection> write(List<StreamingUpdate> updates);

  /**
   * A number that moves when the store lost what was written before (Redis restarted without
   * persistence, or flushed): the processor then rewrites every live user from its state.
   */
  default long serverResets() {
    return 0;
  }
}
