package io.featurestore.events;

import io.featurestore.core.InvalidInputException;

/** An event that cannot be used; the message is the reason written to the dead-letter topic. */
public final class InvalidEventException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public InvalidEventException(String reason) {
    super(reason);
  }
}
