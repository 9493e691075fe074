package io.featurestore.infra;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Finds a {@code redis-server} >= 7.4 the same way {@code scripts/provide-redis.sh} does,
 * by asking that script: {@code REDIS_SERVER}, then PATH, then the project's cached build
 * (building it once if needed).
 */
public final class RedisBinary {
  private RedisBinary() {}

  public static Path locate() {
    List<String> lines = ProjectScripts.run("provide-redis.sh", Duration.ofMinutes(15));
    if (lines.isEmpty()) {
      throw new IllegalStateException("scripts/provide-redis.sh printed no redis-server path");
    }
    return Path.of(lines.get(lines.size() - 1));
  }
}
