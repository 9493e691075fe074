package io.featurestore.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * {@link Keyspace} of a Redis Cluster, on Jedis' cluster client: its slot cache says which master
 * holds a key. A batch is grouped by master, one pipeline each, all written before any is read,
 * so the masters work on them at the same time.
 * A key answered with MOVED (its slot has a new master: a failover or a finished resharding) is
 * sent again after the slot cache is renewed; a key answered with ASK (its slot is being moved and
 * the key already is on the target) is sent to the target, after ASKING. A master that cannot be
 * reached fails the batch as unavailable, and the slot cache is renewed so that the next batch
 * finds the replica promoted in its place.
 */
final class ClusterKeyspace implements Keyspace {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterKeyspace.class);
  /** Rounds of redirections one batch follows before it gives up (a resharding storm). */
  private static final int MAX_ROUNDS = 5;
  /** How long a single command keeps retrying (redirections, a master failing over) before it fails. */
  private static final Duration SINGLE_COMMAND_RETRIES = Duration.ofSeconds(2);
  private static final int SLOTS = 16384;
  private static final Map<Integer, String> SLOT_TAGS = new java.util.concurrent.ConcurrentHashMap<>();
  /** How often the slot cache is renewed when nothing (a redirection, a failed node) asked for it: nodes come and go. */
  private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(10);
  /** How long a replicated write waits for a replica before it is taken as written by the master alone. */
  static final long REPLICA_WAIT_MILLIS = 500;

  private final ClusterConnectionProvider provider;
  private final RedisClusterClient redis;
  private final JedisClientConfig clientConfig;
  private final String where;
  private final Replicas replicas = new Replicas();

  ClusterKeyspace(RedisConnection connection, GenericObjectPoolConfig<Connection> pool) {
    this.where = connection.describe();
    this.clientConfig = connection.clientConfig();
    this.provider = new ClusterConnectionProvider(new HashSet<>(connection.seeds()), clientConfig, pool,
        TOPOLOGY_REFRESH);
    this.redis = RedisClusterClient.builder().nodes(new HashSet<>(connection.seeds())).clientConfig(clientConfig)
        .connectionProvider(provider).maxAttempts(5).maxTotalRetriesDuration(SINGLE_COMMAND_RETRIES).build();
  }

  @Override
  public UnifiedJedis redis() {
    return redis;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R> List<R> pipelined(List<String> keys, KeyCommands<R> commands, boolean replicated) {
    Object[] results = new Object[keys.size()];
    Map<Integer, HostAndPort> askTargets = new LinkedHashMap<>();
    List<Integer> pending = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      pending.add(i);
    }
    for (int round = 0; !pending.isEmpty(); round++) {
      if (round == MAX_ROUNDS) {
        throw new JedisClusterOperationException(pending.size() + " keys were still redirected after " + MAX_ROUNDS
            + " rounds (the cluster is resharding)");
      }
      List<NodeBatch<R>> batches = group(keys, pending, askTargets);
      List<Redirect> redirects = run(batches, keys, commands, replicated, results);
      pending = new ArrayList<>(redirects.size());
      askTargets.clear();
      boolean moved = false;
      for (Redirect redirect : redirects) {
        pending.add(redirect.index());
        if (redirect.error() instanceof JedisAskDataException) {
          askTargets.put(redirect.index(), redirect.error().getTargetNode());
        } else {
          moved = true;
        }
      }
      if (moved) {
        provider.renewSlotCache();
      }
    }
    return (List<R>) Arrays.asList(results);
  }

  private record NodeBatch<R>(HostAndPort node, boolean asking, List<Integer> indices) {}

  private record Redirect(int index, JedisRedirectionException error) {}

  private <R> List<NodeBatch<R>> group(List<String> keys, List<Integer> pending, Map<Integer, HostAndPort> askTargets) {
    Map<HostAndPort, List<Integer>> byNode = new LinkedHashMap<>();
    Map<HostAndPort, List<Integer>> byAskTarget = new LinkedHashMap<>();
    for (int i : pending) {
      HostAndPort ask = askTargets.get(i);
      if (ask != null) {
        byAskTarget.computeIfAbsent(ask, k -> new ArrayList<>()).add(i);
      } else {
        byNode.computeIfAbsent(masterOf(keys.get(i)), k -> new ArrayList<>()).add(i);
      }
    }
    List<NodeBatch<R>> batches = new ArrayList<>(byNode.size() + byAskTarget.size());
    byNode.forEach((node, indices) -> batches.add(new NodeBatch<>(node, false, indices)));
    byAskTarget.forEach((node, indices) -> batches.add(new NodeBatch<>(node, true, indices)));
    return batches;
  }

  private HostAndPort masterOf(String key) {
    int slot = JedisClusterCRC16.getSlot(key);
    HostAndPort node = provider.getNode(slot);
    if (node == null) {
      provider.renewSlotCache();
      node = provider.getNode(slot);
    }
    if (node == null) {
      throw new JedisClusterOperationException("no master serves slot " + slot + " (of key " + key + ") now");
    }
    return node;
  }

  /**
   * One pipeline per node, every one written and flushed from this thread before any is read:
   * the nodes work on theirs at the same time, and no thread hands work to another (on a busy
   * machine each hand-off waits for a core). A node that fails fails the batch, after the others'
   * replies are read.
   */
  private <R> List<Redirect> run(List<NodeBatch<R>> batches, List<String> keys, KeyCommands<R> commands,
      boolean replicated, Object[] results) {
    List<Sent<R>> sent = new ArrayList<>(batches.size());
    List<Redirect> redirects = new ArrayList<>();
    RuntimeException failure = null;
    try {
      for (NodeBatch<R> batch : batches) {
        try {
          sent.add(send(batch, keys, commands, replicated));
        } catch (JedisConnectionException e) {
          failure = failure == null ? nodeFailed(batch.node(), e) : failure;
        }
      }
      // Every reply is read off every connection before any is looked at: a connection goes back
      // to its pool with nothing left unread, whatever a reply then throws.
      List<Sent<R>> received = new ArrayList<>(sent.size());
      for (Sent<R> one : sent) {
        try {
          one.pipeline().sync();
          received.add(one);
        } catch (JedisConnectionException e) {
          failure = failure == null ? nodeFailed(one.batch().node(), e) : failure;
        }
      }
      if (failure != null) {
        throw failure;
      }
      for (Sent<R> one : received) {
        redirects.addAll(collect(one, results));
      }
    } finally {
      sent.forEach(one -> one.connection().close());
    }
    return redirects;
  }

  /** A node's pipeline, written and flushed, its replies not read yet. */
  private record Sent<R>(NodeBatch<R> batch, Connection connection, Pipeline pipeline, List<Supplier<R>> replies,
      Response<Long> replicaAcks) {}

  private <R> Sent<R> send(NodeBatch<R> batch, List<String> keys, KeyCommands<R> commands, boolean replicated) {
    Connection connection = batch.asking() ? new AskingConnection(batch.node(), clientConfig)
        : provider.getConnection(batch.node());
    try {
      boolean waitForReplica = replicated && replicas.of(batch.node(), connection) > 0;
      Pipeline pipeline = new Pipeline(connection);
      List<Supplier<R>> replies = new ArrayList<>(batch.indices().size());
      for (int i : batch.indices()) {
        replies.add(commands.append(pipeline, keys.get(i), i));
      }
      Response<Long> replicaAcks = waitForReplica ? pipeline.waitReplicas(1, REPLICA_WAIT_MILLIS) : null;
      connection.getMany(0); // flushes what is buffered, reads nothing
      return new Sent<>(batch, connection, pipeline, replies, replicaAcks);
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private <R> List<Redirect> collect(Sent<R> sent, Object[] results) {
    if (sent.replicaAcks() != null) {
      replicas.acknowledged(sent.batch().node(), sent.replicaAcks().get());
    }
    List<Redirect> redirects = new ArrayList<>();
    List<Integer> indices = sent.batch().indices();
    for (int j = 0; j < sent.replies().size(); j++) {
      try {
        results[indices.get(j)] = sent.replies().get(j).get();
      } catch (JedisRedirectionException e) {
        redirects.add(new Redirect(indices.get(j), e));
      }
    }
    return redirects;
  }

  private JedisConnectionException nodeFailed(HostAndPort node, JedisConnectionException e) {
    renewSlotCacheQuietly();
    return new JedisConnectionException("cluster node " + node + ": " + e.getMessage(), e);
  }

  /** After a node failed: learn the new topology if some node can tell it; if none can, the next batch tries again. */
  private void renewSlotCacheQuietly() {
    try {
      provider.renewSlotCache();
    } catch (RuntimeException e) {
      LOG.debug("slot cache not renewed: {}", e.getMessage());
    }
  }

  @Override
  public <R> List<R> onEveryMaster(Function<Jedis, R> body) {
    return onEach(provider.getPrimaryNodes(), body);
  }

  @Override
  public <R> List<R> onReachableMasters(Function<Jedis, R> body) {
    List<R> out = new ArrayList<>();
    JedisConnectionException last = null;
    for (Map.Entry<String, ConnectionPool> master : provider.getPrimaryNodes().entrySet()) {
      try {
        out.addAll(onEach(Map.of(master.getKey(), master.getValue()), body));
      } catch (JedisConnectionException e) {
        last = e;
      }
    }
    if (out.isEmpty() && last != null) {
      throw last;
    }
    if (last != null) {
      renewSlotCacheQuietly();
    }
    return out;
  }

  @Override
  public <R> List<R> onEveryNode(Function<Jedis, R> body) {
    return onEach(provider.getNodes(), body);
  }

  private static <R> List<R> onEach(Map<String, ConnectionPool> nodes, Function<Jedis, R> body) {
    List<R> out = new ArrayList<>(nodes.size());
    for (Map.Entry<String, ConnectionPool> node : nodes.entrySet()) {
      try (Connection connection = node.getValue().getResource()) {
        out.add(body.apply(new Jedis(connection)));
      } catch (JedisConnectionException e) {
        throw new JedisConnectionException("cluster node " + node.getKey() + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  @Override
  public List<String> keysOnEveryMaster(String base) {
    Map<HostAndPort, Integer> firstSlots = new java.util.LinkedHashMap<>();
    for (int slot = 0; slot < SLOTS; slot++) {
      HostAndPort master = provider.getNode(slot);
      if (master != null) {
        firstSlots.putIfAbsent(master, slot);
      }
    }
    return firstSlots.values().stream().map(slot -> base + "{" + tagOf(slot) + "}").toList();
  }

  /** The shortest base-36 number whose CRC16 is {@code slot}: a hash tag that puts a key in that slot. */
  static String tagOf(int slot) {
    return SLOT_TAGS.computeIfAbsent(slot, wanted -> {
      for (int n = 0; n < 64 * SLOTS; n++) {
        String tag = Integer.toString(n, 36);
        if (JedisClusterCRC16.getSlot(tag) == wanted) {
          return tag;
        }
      }
      throw new IllegalStateException("no hash tag found for slot " + wanted);
    });
  }

  @Override
  public String where() {
    return where;
  }

  @Override
  public void close() {
    redis.close();
  }

  /**
   * How many replicas each master has, asked of the master itself ({@code INFO replication}) at
   * most every few seconds: a write waits for a replica only where there is one.
   */
  private static final class Replicas {
    private static final long REFRESH_NANOS = 5_000_000_000L;
    private final Map<HostAndPort, long[]> counts = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong unreplicated = new java.util.concurrent.atomic.AtomicLong();

    /** {@code master}'s replica count, {count, asked at}; asked on {@code connection} when not known or old. */
    int of(HostAndPort master, Connection connection) {
      long now = System.nanoTime();
      long[] known = counts.get(master);
      if (known == null || now - known[1] > REFRESH_NANOS) {
        String info = new Jedis(connection).info("replication");
        int n = 0;
        for (String line : info.split("\r?\n")) {
          if (line.startsWith("connected_slaves:")) {
            n = Integer.parseInt(line.substring("connected_slaves:".length()).trim());
          }
        }
        known = new long[] {n, now};
        counts.put(master, known);
      }
      return (int) known[0];
    }

    /** A WAIT that no replica answered in time: the write stands on the master alone; said once in a while. */
    void acknowledged(HostAndPort master, long replicaAcks) {
      if (replicaAcks < 1) {
        counts.remove(master); // ask again: the replica may be gone
        long n = unreplicated.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          LOG.warn("master {} wrote a batch that no replica confirmed within {} ms ({} such batches so far)", master,
              REPLICA_WAIT_MILLIS, n);
        }
      }
    }
  }

  /**
   * A connection of its own to the node a slot is being moved to, that sends ASKING before every
   * command (the node then serves the key although the slot is not yet its own) and hides ASKING's
   * replies from the pipeline.
   */
  private static final class AskingConnection extends Connection {
    /** Off while the connection shakes hands (AUTH, HELLO), which must not be preceded by ASKING. */
    private boolean asking;

    AskingConnection(HostAndPort node, JedisClientConfig config) {
      super(node, config);
      asking = true;
    }

    @Override
    public void sendCommand(CommandArguments args) {
      if (asking) {
        super.sendCommand(new CommandArguments(Protocol.Command.ASKING));
      }
      super.sendCommand(args);
    }

    @Override
    public List<Object> getMany(int count) {
      if (!asking) {
        return super.getMany(count);
      }
      List<Object> both = super.getMany(count * 2);
      List<Object> replies = new ArrayList<>(count);
      for (int i = 1; i < both.size(); i += 2) {
        replies.add(both.get(i));
      }
      return replies;
    }
  }
}
