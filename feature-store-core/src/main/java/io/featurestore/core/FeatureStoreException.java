package io.featurestore.core;

/** Root of every failure the feature store reports; messages carry the context needed to act on them. */
public class FeatureStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FeatureStoreException(String message) {
    super(message);
  }

  public FeatureStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The message of {@code t}, followed by its root cause's in parentheses when that says more: the
   * cause chain is followed, and for a failure without a cause its first suppressed one (a cluster
   * seed's failure).
   */
  public static String withRootCause(Throwable t) {
    Throwable root = t;
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    while (seen.add(root)) {
      Throwable next = root.getCause() != null ? root.getCause()
          : root.getSuppressed().length > 0 ? root.getSuppressed()[0] : null;
      if (next == null || seen.contains(next)) {
        break;
      }
      root = next;
    }
    String top = String.valueOf(t.getMessage());
    return root == t || root.getMessage() == null || top.contains(root.getMessage())
        ? top : top + " (" + root.getMessage() + ")";
  }
}
