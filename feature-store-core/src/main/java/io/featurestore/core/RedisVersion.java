package io.featurestore.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Redis server version, parsed from {@code INFO server}. */
public record RedisVersion(int major, int minor, int patch) implements Comparable<RedisVersion> {
  /** HEXPIRE and HTTL arrived in Redis 7.4. */
  public static final RedisVersion MINIMUM = new RedisVersion(7, 4, 0);
  private static final Pattern VERSION_LINE = Pattern.compile("(?m)^redis_version:(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  public static RedisVersion fromInfo(String infoServer) {
    Matcher m = VERSION_LINE.matcher(infoServer);
    if (!m.find()) {
      throw new FeatureStoreException("INFO server did not report redis_version");
    }
    return new RedisVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  public boolean supportsFieldTtl() {
    return compareTo(MINIMUM) >= 0;
  }

  @Override
  public int compareTo(RedisVersion other) {
    int c = Integer.compare(major, other.major);
    if (c == 0) {
      c = Integer.compare(minor, other.minor);
    }
    return c != 0 ? c : Integer.compare(patch, other.patch);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
