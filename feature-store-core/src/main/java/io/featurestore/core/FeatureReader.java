package io.featurestore.core;

import java.util.List;
import java.util.Map;
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

  /**
   * Reads features of several entities for each row: a row names one id per entity
   * ({@code {"user": "u0001", "merchant": "m042"}}), {@code features} the features to read, each
   * with its entity. Every entity of every row is read with one HMGET, all in one pipelined round
   * trip per Redis node (plus one for EXISTS when some hashes have none of their fields; none
   * with {@code freshness}, whose TTL replies tell). Results are in request order, one map per
   * row from entity name to that entity's vector (values named by bare feature name), the
   * entities in the order {@code features} first names them.
   *
   * @throws UnknownFeatureException naming every unknown {@code entity.feature}, with the allowed ones
   * @throws InvalidInputException for no features, a feature named twice, a row without an id for
   *     an entity that a feature needs, a row naming an entity that no requested feature belongs
   *     to or that the registry does not declare, or a malformed id (by that entity's id rule)
   */
  List<Map<String, FeatureVector>> getRows(List<Map<String, String>> rows, List<FeatureRef> features, boolean freshness);

  /** Every field of one entity with its TTL, and the key's TTL, in one round trip. For debugging. */
  Optional<EntityInspection> inspect(String entityId);

  /**
   * {@link #inspect(String)} of an entity of any declared entity type ({@code "merchant"});
   * the single-entity one is about {@link FeatureRegistry#entityName()}.
   *
   * @throws InvalidInputException for an entity type the registry does not declare
   */
  Optional<EntityInspection> inspect(String entity, String entityId);

  /** The stream processors' heartbeats (live instances only), ordered by instance id. */
  List<Heartbeat> processorHeartbeats();

  /**
   * The server's version (a cluster's oldest among the masters that answer now); refuses one
   * older than {@link RedisVersion#MINIMUM}. Fails as unavailable only when no master answers.
   */
  RedisVersion checkServerVersion();
}
