package io.featurestore.infra.junit;

import io.featurestore.infra.RedisCluster;

/**
 * Injects a {@link RedisCluster} of 3 masters without replicas, started once per test run and
 * stopped when the run ends. Tests share it, so each uses its own key prefix; a test that kills
 * nodes starts a cluster of its own.
 */
public final class RedisClusterExtension extends RunScopedResolver<RedisCluster> {
  public RedisClusterExtension() {
    super(RedisCluster.class, () -> {
      RedisCluster cluster = RedisCluster.start(3, 0);
      return new Started<>(cluster, cluster::close);
    });
  }
}
