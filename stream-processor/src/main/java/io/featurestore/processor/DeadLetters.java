package io.featurestore.processor;

/** Headers that every record on the dead-letter topic carries, besides its original headers. */
public final class DeadLetters {
  public static final String REASON = "fs.dlq.reason";
  public static final String SOURCE_TOPIC = "fs.dlq.source.topic";
  public static final String SOURCE_PARTITION = "fs.dlq.source.partition";
  public static final String SOURCE_OFFSET = "fs.dlq.source.offset";

  private DeadLetters() {}
}
