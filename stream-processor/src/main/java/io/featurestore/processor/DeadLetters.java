package io.featurestore.processor;

/** Headers that every record on the dead-letter topic carries, besides its original headers. */
public final class DeadLetters {
  public static final String REASON = "fs.dlq.reason";
  /** A short machine-readable code: {@code invalid}, {@code wrong_key} or {@code ts_in_future}. */
  public static final String CODE = "fs.dlq.code";
  public static final String INVALID = "invalid";
  public static final String WRONG_KEY = "wrong_key";
  public static final String TS_IN_FUTURE = "ts_in_future";
  public static final String SOURCE_TOPIC = "fs.dlq.source.topic";
  public static final String SOURCE_PARTITION = "fs.dlq.source.partition";
  public static final String SOURCE_OFFSET = "fs.dlq.source.offset";

  private DeadLetters() {}
}
