package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

class RedisErrorsTest {
  @Test
  void shouldEndTheWalkOfCausesAndSuppressedFailuresThatLoopBack() {
    JedisConnectionException outer = new JedisConnectionException("Failed to connect");
    JedisConnectionException inner = new JedisConnectionException("Connection refused");
    outer.initCause(inner);
    inner.addSuppressed(outer); // a cycle, as client libraries sometimes make

    assertThat(FeatureStoreException.withRootCause(outer)).isEqualTo("Failed to connect (Connection refused)");
    assertThat(RedisErrors.accessProblem(outer)).isNull();
    assertThat(RedisErrors.translate(outer, "writing")).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void shouldFindARefusedLoginInAClusterSeedsSuppressedFailure() {
    JedisClusterOperationException init = new JedisClusterOperationException("Could not initialize cluster slots cache.");
    init.addSuppressed(new JedisAccessControlException("WRONGPASS invalid username-password pair"));

    assertThat(RedisErrors.translate(init, "connecting")).isInstanceOf(StoreAccessException.class)
        .hasMessageContaining("refused the credentials").hasMessageContaining("REDIS_PASSWORD");
    assertThat(FeatureStoreException.withRootCause(init)).contains("WRONGPASS");
  }

  @Test
  void shouldNotRepeatARootCauseThatTheMessageAlreadyCarries() {
    JedisDataException oom = new JedisDataException("OOM command not allowed when used memory > 'maxmemory'.");
    StoreUnavailableException wrapped = new StoreUnavailableException("HSET of fs:user:u1: " + oom.getMessage(), oom);

    assertThat(FeatureStoreException.withRootCause(wrapped)).isEqualTo(wrapped.getMessage());
  }
}
