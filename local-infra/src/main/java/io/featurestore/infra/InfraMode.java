package io.featurestore.infra;

import java.util.Locale;
import org.testcontainers.DockerClientFactory;

/**
 * Where test fixtures get their Redis and Kafka from, chosen by {@code FS_TEST_INFRA}
 * (environment variable or system property):
 * <ul>
 *   <li>{@code local} (default): real processes on loopback, no Docker needed;</li>
 *   <li>{@code docker}: Testcontainers ({@code redis:8}, {@code apache/kafka}); fails if no engine answers;</li>
 *   <li>{@code auto}: Docker when an engine answers, otherwise local.</li>
 * </ul>
 */
public enum InfraMode {
  LOCAL,
  DOCKER;

  public static final String SETTING = "FS_TEST_INFRA";

  public static InfraMode selected() {
    String raw = System.getProperty(SETTING, System.getenv().getOrDefault(SETTING, "local"));
    switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "local":
        return LOCAL;
      case "docker":
        if (!dockerAvailable()) {
          throw new IllegalStateException(SETTING + "=docker but no Docker engine answers; use " + SETTING + "=local");
        }
        return DOCKER;
      case "auto":
        return dockerAvailable() ? DOCKER : LOCAL;
      default:
        throw new IllegalArgumentException(SETTING + " must be local, docker or auto, not '" + raw + "'");
    }
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
