package io.featurestore.cli;

import io.featurestore.core.StoreSettings;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code --registry} ({@code FS_REGISTRY_FILE}): the feature registry YAML. A {@code @Mixin} of
 * the root command; its subcommands inherit it.
 */
public final class RegistryOption {
  @Option(names = "--registry", paramLabel = "FILE", scope = ScopeType.INHERIT,
      defaultValue = "${env:" + StoreSettings.REGISTRY_FILE + "}",
      description = "Feature registry YAML (default: the bundled one).")
  Optional<Path> file = Optional.empty();

  public Optional<Path> file() {
    return file;
  }
}
