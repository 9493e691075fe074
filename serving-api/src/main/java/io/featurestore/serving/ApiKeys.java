package io.featurestore.serving;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The configured API keys. A request presents one in {@code X-API-Key} or
 * {@code Authorization: Bearer}. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, and every configured key is always compared, so the time a
 * check takes tells neither a key's content nor its length nor which key matched.
 */
final class ApiKeys {
  static final String HEADER = "X-API-Key";
  private static final String BEARER = "bearer ";

  private final List<byte[]> digests = new ArrayList<>();

  ApiKeys(List<String> keys) {
    for (String key : keys) {
      digests.add(sha256(key));
    }
  }

  boolean enabled() {
    return !digests.isEmpty();
  }

  /** The key a request presents: {@code X-API-Key}, else the token of {@code Authorization: Bearer}, else null. */
  static String presented(String apiKeyHeader, String authorizationHeader) {
    if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
      return apiKeyHeader.trim();
    }
    if (authorizationHeader != null && authorizationHeader.length() > BEARER.length()
        && authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return authorizationHeader.substring(BEARER.length()).trim();
    }
    return null;
  }

  boolean accepts(String presented) {
    if (presented == null || presented.isEmpty()) {
      return false;
    }
    byte[] digest = sha256(presented);
    boolean match = false;
    for (byte[] known : digests) {
      match |= MessageDigest.isEqual(known, digest);
    }
    return match;
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
