package io.featurestore.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Lua script run by SHA (EVALSHA), loaded again on NOSCRIPT (a restarted or flushed
 * server). The scripts are written so that running one twice gives the same result.
 */
final class LuaScript {
  private final UnifiedJedis redis;
  private final String body;
  private volatile String sha;

  LuaScript(UnifiedJedis redis, String body) {
    this.redis = redis;
    this.body = body;
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

  Object eval(List<String> keys, List<String> args) {
    try {
      return redis.evalsha(sha(), keys, args);
    } catch (JedisDataException e) {
      if (!isNoScript(e)) {
        throw e;
      }
      sha = redis.scriptLoad(body);
      return redis.evalsha(sha, keys, args);
    }
  }

  /**
   * Runs the script once per (keys, args) pair in one pipelined round trip. Returns each
   * call's reply, or the {@link JedisDataException} Redis answered for it.
   */
  List<Object> evalPipelined(List<List<String>> keys, List<List<String>> args) {
    List<Object> results = evalPipelinedOnce(keys, args);
    for (Object result : results) {
      if (result instanceof JedisDataException && isNoScript((JedisDataException) result)) {
        sha = redis.scriptLoad(body);
        return evalPipelinedOnce(keys, args);
      }
    }
    return results;
  }

  private List<Object> evalPipelinedOnce(List<List<String>> keys, List<List<String>> args) {
    String currentSha = sha();
    List<Response<Object>> responses = new ArrayList<>(keys.size());
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (int i = 0; i < keys.size(); i++) {
        responses.add(pipeline.evalsha(currentSha, keys.get(i), args.get(i)));
      }
      pipeline.sync();
    }
    List<Object> results = new ArrayList<>(responses.size());
    for (Response<Object> response : responses) {
      try {
        results.add(response.get());
      } catch (JedisDataException e) {
        results.add(e);
      }
    }
    return results;
  }

  private String sha() {
    String current = sha;
    if (current == null) {
      current = redis.scriptLoad(body);
      sha = current;
    }
    return current;
  }

  private static boolean isNoScript(JedisDataException e) {
    return String.valueOf(e.getMessage()).startsWith("NOSCRIPT");
  }
}
