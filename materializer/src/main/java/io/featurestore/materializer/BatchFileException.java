package io.featurestore.materializer;

import io.featurestore.core.InvalidInputException;
import java.util.List;

/** A batch file that was rejected before anything was loaded; lists its problems by line. */
public final class BatchFileException extends InvalidInputException {
  private static final long serialVersionUID = 1L;
  static final int MAX_LISTED = 20;

  private final List<String> problems;

  BatchFileException(String file, List<String> problems, long total) {
    super(file + " rejected, nothing was loaded: " + total + " problem" + (total == 1 ? "" : "s") + "\n  "
        + String.join("\n  ", problems) + (total > problems.size() ? "\n  … and " + (total - problems.size()) + " more" : ""));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
