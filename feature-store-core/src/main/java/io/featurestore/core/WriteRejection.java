package io.featurestore.core;

/**
 * Redis refused the write of one entity for a reason of that entity's key (a key of another
 * type under the prefix, a script error for that key): retrying cannot help, and every other
 * entity's write went through.
 *
 * @param entityId the entity whose write was refused
 * @param key      its Redis key
 * @param reason   Redis' answer
 */
public record WriteRejection(String entityId, String key, String reason) {
}
