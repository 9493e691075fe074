package io.featurestore.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.featurestore.core.InvalidInputException;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.InvalidEventException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the events of {@code send --json}: JSON Lines (one event per non-blank line) or one
 * JSON array of events. Every event is parsed and validated by {@link EventJson} before any is
 * returned, so a caller sends all or nothing; the error names each bad event's line and reason.
 */
final class EventInput {
  /** Problems listed in one error before the rest are only counted. */
  static final int MAX_PROBLEMS_SHOWN = 20;

  private EventInput() {}

  /** An event and the line of the input it starts on (1-based). */
  record Numbered(int line, Event event) {}

  static List<Numbered> parse(String text, String sourceName, EventJson json) {
    String content = text.startsWith("\uFEFF") ? text.substring(1) : text;
    List<Numbered> events = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (content.stripLeading().startsWith("[")) {
      parseArray(content, json, events, problems);
    } else {
      parseLines(content, json, events, problems);
    }
    if (!problems.isEmpty()) {
      StringBuilder message = new StringBuilder("nothing sent: ").append(problems.size()).append(" of ")
          .append(events.size() + problems.size()).append(events.isEmpty() && problems.size() == 1 ? " event in " : " events in ")
          .append(sourceName).append(problems.size() == 1 ? " is invalid:" : " are invalid:");
      problems.stream().limit(MAX_PROBLEMS_SHOWN).forEach(p -> message.append(System.lineSeparator()).append("  ").append(p));
      if (problems.size() > MAX_PROBLEMS_SHOWN) {
        message.append(System.lineSeparator()).append("  … and ").append(problems.size() - MAX_PROBLEMS_SHOWN)
            .append(" more");
      }
      throw new InvalidInputException(message.toString());
    }
    if (events.isEmpty()) {
      throw new InvalidInputException("nothing sent: " + sourceName + " holds no events (expected JSON Lines, one "
          + "event per line, or a JSON array of events)");
    }
    return List.copyOf(events);
  }

  private static void parseLines(String content, EventJson json, List<Numbered> events, List<String> problems) {
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        parseOne(lines[i].strip(), i + 1, "line " + (i + 1), json, events, problems);
      }
    }
  }

  private static void parseArray(String content, EventJson json, List<Numbered> events, List<String> problems) {
    int element = 0;
    try (JsonParser parser = new JsonFactory().createParser(content)) {
      parser.nextToken();
      for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
        if (token == null) {
          problems.add("line " + parser.currentLocation().getLineNr() + ": the JSON array is not closed");
          return;
        }
        element++;
        int line = parser.currentTokenLocation().getLineNr();
        int start = (int) parser.currentTokenLocation().getCharOffset();
        parser.skipChildren();
        int end = (int) parser.currentLocation().getCharOffset();
        parseOne(content.substring(start, end), line, "line " + line + " (element " + element + ")", json, events,
            problems);
      }
      if (parser.nextToken() != null) {
        problems.add("line " + parser.currentTokenLocation().getLineNr() + ": unexpected content after the JSON array");
      }
    } catch (JsonProcessingException e) {
      String line = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
      problems.add(line + "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      problems.add("cannot read the JSON array: " + e.getMessage());
    }
  }

  private static void parseOne(String raw, int line, String where, EventJson json, List<Numbered> events,
      List<String> problems) {
    try {
      events.add(new Numbered(line, json.parseAny(raw.getBytes(StandardCharsets.UTF_8))));
    } catch (InvalidEventException e) {
      problems.add(where + ": " + e.getMessage());
    }
  }
}
