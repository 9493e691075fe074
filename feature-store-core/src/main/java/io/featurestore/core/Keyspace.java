package io.featurestore.core;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * The Redis the store's parts talk to, one server or a cluster, and the one place that knows the
 * difference. Single-key commands go through {@link #redis()} (routed by slot on a cluster, its
 * redirections followed), batches of per-key commands through {@link #pipelined} (one pipeline
 * per node), and keyspace-wide work (SCAN, INFO, SCRIPT LOAD) through {@link #onEveryMaster}.
 */
interface Keyspace extends AutoCloseable {
  /** Appends one key's commands to a pipeline; the supplier reads their replies after the sync. */
  @FunctionalInterface
  interface KeyCommands<R> {
    Supplier<R> append(AbstractPipeline pipeline, String key, int index);
  }

  /** The client for single-key commands. */
  UnifiedJedis redis();

  /**
   * Runs {@code commands} for every key, pipelined: one round trip per node that holds any of the
   * keys, the nodes in parallel, keys moved or being moved between nodes sent again where they
   * now live. Returns the suppliers' values in the order of {@code keys}.
   */
  default <R> List<R> pipelined(List<String> keys, KeyCommands<R> commands) {
    return pipelined(keys, commands, false);
  }

  /**
   * {@link #pipelined(List, KeyCommands)}; with {@code replicated}, a write that must survive a
   * failover: on a cluster, each pipeline to a master that has replicas ends with {@code WAIT 1},
   * so that its replies come once a replica has the writes too.
   */
  <R> List<R> pipelined(List<String> keys, KeyCommands<R> commands, boolean replicated);

  /** Runs {@code body} on every master (the one server, or each master of a cluster); their answers. */
  <R> List<R> onEveryMaster(Function<Jedis, R> body);

  /**
   * Runs {@code body} on every master that can be reached now, skipping those that cannot; fails
   * only when none can. A cluster with one master down still serves the others' slots.
   */
  <R> List<R> onReachableMasters(Function<Jedis, R> body);

  /**
   * One key per master, each in a slot of its own master: {@code base} itself on one server; on a
   * cluster {@code base{tag}}, the tag hashing to that master's first slot (the same key as long as
   * the master keeps that slot, a replica promoted in its place included). For a marker that every
   * master must hold.
   */
  List<String> keysOnEveryMaster(String base);

  /** Runs {@code body} on every node, replicas too. */
  <R> List<R> onEveryNode(Function<Jedis, R> body);

  /** Where this is, for messages: never with a password. */
  String where();

  @Override
  void close();

  /**
   * The reply of {@code response}, or the error Redis answered for that one key. A redirection is
   * not such an error: it is thrown, for {@link #pipelined} to follow.
   */
  static Object replyOrError(Response<?> response) {
    try {
      return response.get();
    } catch (JedisRedirectionException e) {
      throw e;
    } catch (JedisDataException e) {
      return e;
    }
  }
}
