package io.featurestore.infra.junit;

import io.featurestore.infra.InfraMode;
import io.featurestore.infra.RedisServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Injects a {@link RedisEndpoint} for a real Redis >= 7.4, started once per test run and
 * stopped when the run ends: a local {@code redis-server} process on a free loopback port,
 * or a {@code redis:8} container when {@code FS_TEST_INFRA} selects Docker.
 * Tests share the server, so each test uses its own key prefix or cleans up after itself.
 */
public final class RedisExtension extends RunScopedResolver<RedisEndpoint> {
  static final String REDIS_IMAGE = "redis:8.0.2";

  public RedisExtension() {
    super(RedisEndpoint.class, RedisExtension::startServer);
  }

  public static RedisEndpoint endpoint(ExtensionContext context) {
    return shared(context, RedisEndpoint.class, RedisExtension::startServer);
  }

  private static Started<RedisEndpoint> startServer() {
    if (InfraMode.selected() == InfraMode.DOCKER) {
      @SuppressWarnings("resource")
      GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
          .withExposedPorts(6379)
          .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
      container.start();
      return new Started<>(new RedisEndpoint(container.getHost(), container.getMappedPort(6379)), container::stop);
    }
    RedisServer server = RedisServer.start();
    return new Started<>(new RedisEndpoint("127.0.0.1", server.port()), server::close);
  }
}
