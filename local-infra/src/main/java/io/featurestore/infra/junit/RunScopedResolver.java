package io.featurestore.infra.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a parameter of type {@code T}: one instance for the whole test run, started on first
 * use and stopped when the run ends (JUnit closes what the root store holds).
 */
abstract class RunScopedResolver<T> implements ParameterResolver {
  private final Class<T> type;
  private final java.util.function.Supplier<Started<T>> start;

  RunScopedResolver(Class<T> type, java.util.function.Supplier<Started<T>> start) {
    this.type = type;
    this.start = start;
  }

  /** Starts the resource; {@code stop} is run once, when the test run ends. */
  record Started<T>(T value, Runnable stop) implements AutoCloseable {
    @Override
    public void close() {
      stop.run();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == type;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return shared(context, type, start);
  }

  static <T> T shared(ExtensionContext context, Class<T> type, java.util.function.Supplier<Started<T>> start) {
    return type.cast(context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(type, k -> start.get(), Started.class).value());
  }
}
