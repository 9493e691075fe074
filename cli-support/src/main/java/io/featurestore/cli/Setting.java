package io.featurestore.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A program setting: an option whose default is an environment variable, declared as
 * {@code defaultValue = "${env:NAME:-fallback}"}, or {@code "${env:NAME}"} when an unset
 * variable means "not configured".
 *
 * @param flag     the option's longest name, e.g. {@code --redis-url}
 * @param variable the environment variable, e.g. {@code REDIS_URL}
 * @param fallback the value when the variable is unset or blank
 */
record Setting(String flag, String variable, Optional<String> fallback) {
  private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:(\\w+)(?::-(.*))?}");

  static Optional<Setting> of(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return Optional.empty();
    }
    // The default as written: ArgSpec.defaultValue() would already resolve it against the process environment.
    String declared = option.toBuilder().defaultValue();
    Matcher m = declared == null ? null : ENV_DEFAULT.matcher(declared);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new Setting(option.longestName(), m.group(1), Optional.ofNullable(m.group(2))));
  }
}
