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
   * persistence errors that block writes, not enough replicas.
   */
  private static final Set<String> SERVER_STATE = Set.of("LOADING", "BUSY", "CLUSTERDOWN", "MASTERDOWN", "READONLY",
      "TRYAGAIN", "OOM", "MISCONF", "NOREPLICAS");
  /** Error prefixes that say this client is refused: no or wrong credentials, no permission. */
  private static final Set<String> ACCESS = Set.of("NOAUTH", "WRONGPASS", "NOPERM");

  private RedisErrors() {}

  /** True when a reply or exception means Redis cannot serve now, rather than that this key was refused. */
  static boolean isUnavailable(Throwable e) {
    if (accessProblem(e) != null) {
      return false;
    }
    if (e instanceof JedisConnectionException) {
      return true;
    }
    if (e instanceof JedisDataException) {
      return SERVER_STATE.contains(errorCode(e.getMessage()));
    }
    // Pool exhaustion and other client-side failures: the request never reached Redis.
    return e instanceof JedisException;
  }

  /**
   * The project's own exception for a Redis client failure, {@code what} saying what was being
   * done: {@link StoreUnavailableException} or {@link StoreRejectedException}. Anything that is
   * not a client failure (a bad argument, the project's own exceptions) is returned as it is.
   */
  static RuntimeException translate(RuntimeException e, String what) {
    if (!(e instanceof JedisException)) {
      return e;
    }
    String access = accessProblem(e);
    if (access != null) {
      return new StoreAccessException(what + ": " + access, e);
    }
    if (isUnavailable(e)) {
      return new StoreUnavailableException(what + ": " + FeatureStoreException.withRootCause(e), e);
    }
    return new StoreRejectedException(what + " was rejected: " + e.getMessage(), e);
  }

  /** Runs {@code body}, translating a client failure (see {@link #translate}). */
  static <T> T call(String what, java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw translate(e, what);
    }
  }

  /**
   * Why Redis refuses this client, with what to change, or null when the failure is of another
   * kind: an ACL reply ({@code WRONGPASS}, {@code NOAUTH}, {@code NOPERM}) anywhere in the causes,
   * or a TLS handshake that failed (an untrusted or mismatched certificate, TLS against a plain port).
   */
  static String accessProblem(Throwable e) {
    return accessProblem(e, 0);
  }

  /** Walks the causes and the suppressed failures (Jedis' cluster client keeps a seed's failure as one). */
  private static String accessProblem(Throwable t, int depth) {
    if (t == null || depth > 10) {
      return null;
    }
    if (t instanceof JedisDataException && ACCESS.contains(errorCode(t.getMessage()))) {
      return "Redis refused the credentials (" + t.getMessage() + "); check " + RedisConnection.USERNAME + " and "
          + RedisConnection.PASSWORD + " (or the user:password of " + RedisConnection.REDIS_URL + ")";
    }
    if (t instanceof javax.net.ssl.SSLException) {
      return "the TLS handshake failed (" + t.getMessage() + "); check that the server speaks TLS on this port"
          + " and that its certificate names this host and is signed by a CA the client trusts ("
          + RedisConnection.TLS_CA_FILE + ")";
    }
    for (Throwable suppressed : t.getSuppressed()) {
      String problem = accessProblem(suppressed, depth + 1);
      if (problem != null) {
        return problem;
      }
    }
    return t.getCause() == t ? null : accessProblem(t.getCause(), depth + 1);
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
