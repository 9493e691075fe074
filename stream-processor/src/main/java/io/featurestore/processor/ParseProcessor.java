package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns raw records of one event topic into events, and every record that cannot be used
 * into a dead letter with the reason and its origin in headers. A record must be keyed by
 * its {@code user_id}: otherwise a user's events could land on several partitions and be
 * counted by several tasks. An event stamped more than the allowed skew ahead of the
 * processor's clock is a dead letter too ({@code ts_in_future}): it would otherwise sit in
 * the state for as long as it is early.
 *
 * <p>Records forwarded from here (to the features processor, the DLQ, and from there the
 * changelog) keep the input record's Kafka timestamp, which the broker has accepted, never
 * the event's {@code ts}: a broker rejects records stamped too far ahead, and one such record
 * must not stop a partition.
 */
final class ParseProcessor implements Processor<byte[], byte[], Object, Object> {
  private final String type;
  private final BiFunction<EventJson, byte[], Event> parser;
  private final EventJson json;
  private final ProcessorMetrics metrics;
  private final long maxFutureSkewMs;
  private ProcessorContext<Object, Object> context;

  ParseProcessor(String type, BiFunction<EventJson, byte[], Event> parser, EventJson json, ProcessorMetrics metrics,
      long maxFutureSkewMs) {
    this.type = type;
    this.parser = parser;
    this.json = json;
    this.metrics = metrics;
    this.maxFutureSkewMs = maxFutureSkewMs;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    Event event;
    try {
      event = parser.apply(json, record.value());
    } catch (InvalidEventException e) {
      deadLetter(record, DeadLetters.INVALID, type + ": " + e.getMessage());
      return;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (!event.userId().equals(key)) {
      deadLetter(record, DeadLetters.WRONG_KEY, type + ": " + (key == null
          ? "record has no key; key it by user_id ('" + event.userId() + "')"
          : "record key '" + key + "' is not its user_id '" + event.userId() + "'"));
      return;
    }
    long now = context.currentSystemTimeMs();
    if (event.ts() > now + maxFutureSkewMs) {
      deadLetter(record, DeadLetters.TS_IN_FUTURE, DeadLetters.TS_IN_FUTURE + ": " + type + " ts " + event.ts() + " is "
          + (event.ts() - now) / 1000 + " s ahead of the processor's clock (at most " + maxFutureSkewMs / 1000
          + " s, FS_MAX_FUTURE_SKEW_SECONDS)");
      return;
    }
    context.forward(new Record<>(event.userId(), event, record.timestamp()));
  }

  private void deadLetter(Record<byte[], byte[]> record, String code, String reason) {
    Headers headers = record.headers();
    RecordMetadata origin = context.recordMetadata().orElse(null);
    headers.add(DeadLetters.CODE, utf8(code));
    headers.add(DeadLetters.REASON, utf8(reason.length() <= DeadLetters.MAX_REASON_CHARS ? reason
        : reason.substring(0, DeadLetters.MAX_REASON_CHARS) + "…"));
    if (origin != null) {
      headers.add(DeadLetters.SOURCE_TOPIC, utf8(origin.topic()));
      headers.add(DeadLetters.SOURCE_PARTITION, utf8(Integer.toString(origin.partition())));
      headers.add(DeadLetters.SOURCE_OFFSET, utf8(Long.toString(origin.offset())));
    }
    byte[] key = record.key();
    byte[] value = record.value();
    if (size(key) + size(value) + size(headers) > DeadLetters.MAX_BYTES) {
      // Too large to produce once the reason is added: the start of it, and its length; the
      // whole record stays on its source topic at the offset in the headers.
      if (size(key) + size(headers) > DeadLetters.MAX_BYTES / 2) {
        for (Header h : headers.toArray()) {
          if (!h.key().startsWith("fs.dlq.")) {
            headers.remove(h.key()); // the producer's own headers, too large to keep
          }
        }
        if (size(key) > 256) {
          headers.add(DeadLetters.KEY_BYTES, utf8(Integer.toString(key.length)));
          key = java.util.Arrays.copyOf(key, 256);
        }
      }
      if (value != null) {
        headers.add(DeadLetters.VALUE_BYTES, utf8(Integer.toString(value.length)));
        value = java.util.Arrays.copyOf(value, Math.max(0, DeadLetters.MAX_BYTES - size(key) - size(headers)));
      }
    }
    metrics.deadLettered(origin == null ? type : origin.topic());
    context.forward(new Record<Object, Object>(key, value, record.timestamp(), headers));
  }

  private static int size(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static int size(Headers headers) {
    int total = 0;
    for (Header h : headers) {
      total += h.key().length() * 3 + size(h.value()) + 8; // a key's UTF-8 length is at most 3 bytes a char; varints
    }
    return total;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
