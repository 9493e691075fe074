package io.featurestore.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.featurestore.core.EventSchema;
import io.featurestore.core.FeatureRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry validates streaming declarations against {@link EventSchema} in core, which
 * cannot see these records: this test fails when the records, their JSON form, their JSON
 * Schemas and that schema stop describing the same fields.
 */
class EventSchemaDriftTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final EventJson json = new EventJson(FeatureRegistry.bundled());

  @Test
  void shouldDescribeEveryLoginFieldAsTheRecordAndItsJsonDo() throws IOException {
    LoginEvent login = new LoginEvent("u0001", 1716998413541L, "ios-9f02", "US", true);
    assertSameFields(EventSchema.LOGIN, LoginEvent.class, json.write(login), "login");
  }

  @Test
  void shouldDescribeEveryTransactionFieldAsTheRecordAndItsJsonDo() throws IOException {
    TransactionEvent tx = new TransactionEvent("u0001", 1716998413541L, new BigDecimal("92.40"), "USD", "US", "m042");
    assertSameFields(EventSchema.TRANSACTION, TransactionEvent.class, json.write(tx), "transaction");
  }

  @Test
  void shouldReadEverySchemaFieldByItsJsonNameAsTheDeclarationsDo() {
    Event login = new LoginEvent("u0001", 1716998413541L, "ios-9f02", "US", false);
    Event tx = new TransactionEvent("u0001", 1716998413541L, new BigDecimal("92.40"), "USD", "US", "m042");
    for (Event event : new Event[] {login, tx}) {
      EventSchema schema = EventSchema.of(event.type()).orElseThrow();
      schema.fields().keySet().forEach(f -> assertThat(event.field(f)).as("%s.%s", event.type(), f).isNotNull());
      assertThat(event.field("no_such_field")).isNull();
    }
    assertThat(login.fieldText("success")).isEqualTo("false");
    assertThat(tx.fieldText("amount")).isEqualTo("92.4");
    assertThat(tx.fieldText("ts")).isEqualTo("1716998413541");
    assertThat(tx.fieldNumber("amount")).isEqualTo(92.4);
    assertThat(tx.fieldNumber("merchant_id")).isNaN();
  }

  @Test
  void shouldNameOneTopicPerEventType() {
    assertThat(EventSchema.ALL).extracting(s -> "events." + s.type()).containsExactly(Topics.LOGIN, Topics.TRANSACTION);
  }

  private static void assertSameFields(EventSchema schema, Class<? extends Record> type, byte[] written, String file)
      throws IOException {
    assertThat(fromRecord(type)).as("%s record components", type.getSimpleName()).isEqualTo(schema.fields());
    assertThat(fromJson(MAPPER.readTree(written))).as("%s JSON", type.getSimpleName()).isEqualTo(schema.fields());
    assertThat(fromJsonSchema(file)).as("schemas/%s.schema.json", file).isEqualTo(schema.fields());
  }

  private static Map<String, EventSchema.Kind> fromRecord(Class<? extends Record> type) {
    PropertyNamingStrategies.SnakeCaseStrategy snake = new PropertyNamingStrategies.SnakeCaseStrategy();
    Map<String, EventSchema.Kind> out = new LinkedHashMap<>();
    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      EventSchema.Kind kind = t == String.class ? EventSchema.Kind.STRING
          : t == boolean.class ? EventSchema.Kind.BOOL
          : c.getName().equals("ts") && t == long.class ? EventSchema.Kind.TIMESTAMP
          : Number.class.isAssignableFrom(t) || t.isPrimitive() ? EventSchema.Kind.NUMBER
          : null;
      out.put(snake.translate(c.getName()), kind);
    }
    return out;
  }

  private static Map<String, EventSchema.Kind> fromJson(JsonNode event) {
    Map<String, EventSchema.Kind> out = new LinkedHashMap<>();
    event.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      out.put(e.getKey(), v.isTextual() ? EventSchema.Kind.STRING : v.isBoolean() ? EventSchema.Kind.BOOL
          : e.getKey().equals("ts") && v.isIntegralNumber() ? EventSchema.Kind.TIMESTAMP
          : v.isNumber() ? EventSchema.Kind.NUMBER : null);
    });
    return out;
  }

  private static Map<String, EventSchema.Kind> fromJsonSchema(String file) throws IOException {
    try (InputStream in = EventSchemaDriftTest.class.getResourceAsStream("/schemas/" + file + ".schema.json")) {
      assertThat(in).as("schemas/%s.schema.json on the classpath", file).isNotNull();
      Map<String, EventSchema.Kind> out = new LinkedHashMap<>();
      MAPPER.readTree(in).path("properties").fields().forEachRemaining(e -> {
        String t = e.getValue().path("type").asText();
        out.put(e.getKey(), switch (t) {
          case "string" -> EventSchema.Kind.STRING;
          case "boolean" -> EventSchema.Kind.BOOL;
          case "number" -> EventSchema.Kind.NUMBER;
          case "integer" -> EventSchema.Kind.TIMESTAMP; // the only integer field of an event is its epoch-millis ts
          default -> null;
        });
      });
      return out;
    }
  }
}
