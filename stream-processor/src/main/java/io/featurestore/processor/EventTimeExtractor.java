package io.featurestore.processor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time from the record's JSON {@code ts} field (epoch millis), read with a streaming
 * parser that stops at the field. A record without a usable {@code ts} keeps its Kafka
 * timestamp, so it still reaches the parser and goes to the dead-letter topic with a
 * reason instead of being dropped here.
 */
public final class EventTimeExtractor implements TimestampExtractor {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    Object value = record.value();
    if (value instanceof byte[]) {
      long ts = eventTime((byte[]) value);
      if (ts > 0) {
        return ts;
      }
    }
    return record.timestamp() >= 0 ? record.timestamp() : Math.max(partitionTime, 0);
  }

  static long eventTime(byte[] json) {
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return -1;
      }
      for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("ts".equals(name)) {
          return value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
        }
        parser.skipChildren();
      }
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
