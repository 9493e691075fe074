package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns raw records of one event topic into events, and every record that cannot be used
 * into a dead letter with the reason and its origin in headers. A record must be keyed by
 * its {@code user_id}: otherwise a user's events could land on several partitions and be
 * counted by several tasks.
 */
final class ParseProcessor implements Processor<byte[], byte[], Object, Object> {
  private final String type;
  private final BiFunction<EventJson, byte[], Event> parser;
  private final EventJson json;
  private final ProcessorMetrics metrics;
  private ProcessorContext<Object, Object> context;

  ParseProcessor(String type, BiFunction<EventJson, byte[], Event> parser, EventJson json, ProcessorMetrics metrics) {
    this.type = type;
    this.parser = parser;
    this.json = json;
    this.metrics = metrics;
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
      String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      if (!event.userId().equals(key)) {
        throw new InvalidEventException(key == null
            ? "record has no key; key it by user_id ('" + event.userId() + "')"
            : "record key '" + key + "' is not its user_id '" + event.userId() + "'");
      }
    } catch (InvalidEventException e) {
      deadLetter(record, type + ": " + e.getMessage());
      return;
    }
    context.forward(new Record<>(event.userId(), event, record.timestamp()), FeatureTopology.USER_FEATURES);
  }

  private void deadLetter(Record<byte[], byte[]> record, String reason) {
    Headers headers = record.headers();
    RecordMetadata origin = context.recordMetadata().orElse(null);
    headers.add(DeadLetters.REASON, utf8(reason));
    if (origin != null) {
      headers.add(DeadLetters.SOURCE_TOPIC, utf8(origin.topic()));
      headers.add(DeadLetters.SOURCE_PARTITION, utf8(Integer.toString(origin.partition())));
      headers.add(DeadLetters.SOURCE_OFFSET, utf8(Long.toString(origin.offset())));
    }
    metrics.deadLettered(origin == null ? type : origin.topic());
    context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers),
        FeatureTopology.DLQ_SINK);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
