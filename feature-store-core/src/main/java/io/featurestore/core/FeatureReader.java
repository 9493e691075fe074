package io.featurestore.core;

import java.util.List;
import java.util.Optional;

/**
 * The request path: what the serving API needs from the store, and nothing else. Failures are
 * the project's own: {@link StoreUnavailableException} when the store cannot answer now,
 * {@link StoreRejectedException} when it refused a command, {@link InvalidInputException} for a
 * bad id or feature name.
 */
public interface FeatureReader {
  FeatureRegistry registry();

  /**
   * Reads the named features of one entity with one HMGET. An entity whose requested fields are
   * all absent costs one EXISTS more, to tell "no such entity" from "none of these fields". With
   * {@code freshness}, the field and key TTLs ride in the same round trip.
   */
  default FeatureVector get(String entityId, List<String> featureNames, boolean freshness) {
    return getBatch(List.of(entityId), featureNames, freshness).get(0);
  }

  /**
   * Reads the named features of many entities in one pipelined round trip (plus one for EXISTS
   * when some entities have none of the fields). Results are in request order.
   */
  List<FeatureVector> getBatch(List<String> entityIds, List<String> featureNames, boolean freshness);

  /** Every field of one entity with its TTL, and the key's TTL, in one round trip. For debugging. */
  Optional<EntityInspection> inspect(String entityId);

  /** The stream processors' heartbeats (live instances only), ordered by instance id. */
  List<Heartbeat> processorHeartbeats();

  /**
   * The server's version (a cluster's oldest among the masters that answer now); refuses one
   * older than {@link RedisVersion#MINIMUM}. Fails as unavailable only when no master answers.
   */
  RedisVersion checkServerVersion();
}
