package io.featurestore.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.featurestore.core.InvalidInputException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/**
 * JSON in and out. Responses are written as bytes straight from Jackson (no intermediate
 * string); record components become snake_case keys.
 */
final class Json {
  static final String CONTENT_TYPE = "application/json";
  /** Jackson's "(start marker at [Source: REDACTED (...); line: 1, column: 15])", told plainly. */
  private static final Pattern SOURCE_MARKER =
      Pattern.compile("\\s*\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]\\)");

  private final ObjectMapper mapper = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  ObjectMapper mapper() {
    return mapper;
  }

  byte[] bytes(Object body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
    }
  }

  void send(Context ctx, int status, Object body) {
    sendBytes(ctx, status, bytes(body));
  }

  static void sendBytes(Context ctx, int status, byte[] body) {
    // A known length spares clients chunked decoding of large batch answers.
    ctx.res().setContentLength(body.length);
    ctx.status(status).contentType(CONTENT_TYPE).result(body);
  }

  /** Parses a request body; anything that is not one JSON document is the client's error. */
  JsonNode read(byte[] body) {
    if (body.length == 0) {
      throw new InvalidInputException("the request body is empty; send a JSON object");
    }
    try {
      return mapper.readTree(body);
    } catch (JsonProcessingException e) {
      String reason = SOURCE_MARKER.matcher(e.getOriginalMessage()).replaceAll(" (opened at line $1, column $2)");
      throw new InvalidInputException("malformed JSON: " + reason + (e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
