package io.featurestore.infra.junit;

import io.featurestore.infra.InfraMode;
import io.featurestore.infra.RedisServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Injects a {@link RedisEndpoint} for a real Redis >= 7.4, started once per test run and
 * stopped when the run ends: a local {@code redis-server} process on a free loopback port,
 * or a {@code redis:8} container when {@code FS_TEST_INFRA} selects Docker.
 * Tests share the server, so each test uses its own key prefix or cleans up after itself.
 */
public final class RedisExtension implements ParameterResolver {
  static final String REDIS_IMAGE = "redis:8.0.2";

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RedisEndpoint.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    return endpoint(context);
  }

  public static RedisEndpoint endpoint(ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(RunScoped.class, k -> RunScoped.start(), RunScoped.class)
        .endpoint;
  }

  /** Held in the root store so JUnit closes it once, when the whole run ends. */
  static final class RunScoped implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final Runnable stop;

    private RunScoped(RedisEndpoint endpoint, Runnable stop) {
      this.endpoint = endpoint;
      this.stop = stop;
    }

    static RunScoped start() {
      if (InfraMode.selected() == InfraMode.DOCKER) {
        @SuppressWarnings("resource")
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
            .withExposedPorts(6379)
            .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
        container.start();
        return new RunScoped(new RedisEndpoint(container.getHost(), container.getMappedPort(6379)), container::stop);
      }
      RedisServer server = RedisServer.start();
      return new RunScoped(new RedisEndpoint("127.0.0.1", server.port()), server::close);
    }

    @Override
    public void close() {
      stop.run();
    }
  }
}
