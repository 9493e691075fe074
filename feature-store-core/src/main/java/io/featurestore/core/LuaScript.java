package io.featurestore.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Lua script run by SHA (EVALSHA), loaded on every master again on NOSCRIPT (a restarted,
 * flushed or newly promoted server). The scripts are written so that running one twice gives the
 * same result.
 */
final class LuaScript {
  private final Keyspace keyspace;
  private final String body;
  private final String sha;

  LuaScript(Keyspace keyspace, String body) {
    this.keyspace = keyspace;
    this.body = body;
    this.sha = sha1Hex(body);
  }

  static String resource(String name) {
    try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + name)) {
      if (in == null) {
        throw new IllegalStateException("script /lua/" + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the script on the node of {@code keys}' slot. */
  Object eval(List<String> keys, List<String> args) {
    try {
      return keyspace.redis().evalsha(sha, keys, args);
    } catch (JedisDataException e) {
      if (!isNoScript(e)) {
        throw e;
      }
      load();
      return keyspace.redis().evalsha(sha, keys, args);
    }
  }

  /**
   * Runs the script once per (keys, args) pair, pipelined (one round trip per node), as a write
   * that must survive a failover (see {@link Keyspace#pipelined(List, Keyspace.KeyCommands, boolean)}). Returns each
   * call's reply, or the {@link JedisDataException} Redis answered for it.
   */
  List<Object> evalPipelined(List<List<String>> keys, List<List<String>> args) {
    List<Object> results = evalPipelinedOnce(keys, args);
    for (Object result : results) {
      if (result instanceof JedisDataException e && isNoScript(e)) {
        load();
        return evalPipelinedOnce(keys, args);
      }
    }
    return results;
  }

  private List<Object> evalPipelinedOnce(List<List<String>> keys, List<List<String>> args) {
    List<String> routing = keys.stream().map(k -> k.get(0)).toList();
    return keyspace.pipelined(routing, (pipeline, key, i) -> {
      Response<Object> reply = pipeline.evalsha(sha, keys.get(i), args.get(i));
      return () -> Keyspace.replyOrError(reply);
    }, true);
  }

  private void load() {
    keyspace.onEveryMaster(node -> node.scriptLoad(body));
  }

  private static String sha1Hex(String text) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }

  private static boolean isNoScript(JedisDataException e) {
    return String.valueOf(e.getMessage()).startsWith("NOSCRIPT");
  }
}
