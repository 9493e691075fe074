package io.featurestore.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.PooledConnectionProvider;

/** {@link Keyspace} of one Redis server: one pooled client, one pipeline per batch. */
final class StandaloneKeyspace implements Keyspace {
  private final PooledConnectionProvider provider;
  private final RedisClient redis;
  private final String where;

  StandaloneKeyspace(RedisConnection connection, GenericObjectPoolConfig<Connection> pool) {
    this.where = connection.describe();
    this.provider = new PooledConnectionProvider(connection.hostAndPort(), connection.clientConfig(), pool);
    this.redis = RedisClient.builder().connectionProvider(provider).build();
  }

  @Override
  public UnifiedJedis redis() {
    return redis;
  }

  /** One server has nobody to fail over to: {@code replicated} changes nothing. */
  @Override
  public <R> List<R> pipelined(List<String> keys, KeyCommands<R> commands, boolean replicated) {
    List<Supplier<R>> replies = new ArrayList<>(keys.size());
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (int i = 0; i < keys.size(); i++) {
        replies.add(commands.append(pipeline, keys.get(i), i));
      }
      pipeline.sync();
    }
    List<R> out = new ArrayList<>(keys.size());
    replies.forEach(reply -> out.add(reply.get()));
    return out;
  }

  @Override
  public <R> List<R> onEveryMaster(Function<Jedis, R> body) {
    try (Connection connection = provider.getConnection()) {
      return java.util.Collections.singletonList(body.apply(new Jedis(connection)));
    }
  }

  @Override
  public <R> List<R> onReachableMasters(Function<Jedis, R> body) {
    return onEveryMaster(body);
  }

  @Override
  public <R> List<R> onEveryNode(Function<Jedis, R> body) {
    return onEveryMaster(body);
  }

  @Override
  public List<String> keysOnEveryMaster(String base) {
    return List.of(base);
  }

  @Override
  public String where() {
    return where;
  }

  @Override
  public void close() {
    redis.close();
  }
}
