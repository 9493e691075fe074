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
  /**
   * Present when the dead letter carries only the start of the record's value (or key): the
   * original's length in bytes. The original stays on its source topic (topic, partition, offset).
   */
  public static final String VALUE_BYTES = "fs.dlq.value.bytes";
  public static final String KEY_BYTES = "fs.dlq.key.bytes";
  /**
   * The most bytes of key, value and headers a dead letter carries: under the producer's
   * default request limit (1 MiB) with room for the batch's framing. A record as large as the
   * broker accepts would otherwise not fit once the reason is added, and fail its task at every
   * retry.
   */
  static final int MAX_BYTES = 1_000_000;
  /** A reason longer than this (it may quote the record's key) is cut. */
  static final int MAX_REASON_CHARS = 1_000;

  private DeadLetters() {}
}
