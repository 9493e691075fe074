package io.featurestore.core;

import java.util.Locale;
import java.util.Set;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Sorts Redis failures at the store's edge into the two kinds callers act on: the server is
 * unavailable (retry later; nothing is wrong with the request), or it rejected one key's
 * command (retrying cannot help; other keys are unaffected).
 */
final class RedisErrors {
  /**
   * Error prefixes that describe the server's state, not the command: loading, busy with a
   * script, a cluster or master that is down, a replica that cannot take writes, out of memory,
   * persistence errors that block writes, not enough replicas, authentication.
   */
  private static final Set<String> SERVER_STATE = Set.of("LOADING", "BUSY", "CLUSTERDOWN", "MASTERDOWN", "READONLY",
      "TRYAGAIN", "OOM", "MISCONF", "NOREPLICAS", "NOAUTH", "WRONGPASS", "NOPERM");

  private RedisErrors() {}

  /** True when a reply or exception means Redis cannot serve now, rather than that this key was refused. */
  static boolean isUnavailable(Throwable e) {
    if (e instanceof JedisConnectionException) {
      return true;
    }
    if (e instanceof JedisDataException) {
      return SERVER_STATE.contains(errorCode(e.getMessage()));
    }
    // Pool exhaustion and other client-side failures: the request never reached Redis.
    return e instanceof JedisException;
  }

  /** The error code Redis put first in its reply ({@code WRONGTYPE}, {@code LOADING}, …), upper case. */
  static String errorCode(String message) {
    if (message == null) {
      return "";
    }
    int space = message.indexOf(' ');
    return (space < 0 ? message : message.substring(0, space)).toUpperCase(Locale.ROOT);
  }
}
