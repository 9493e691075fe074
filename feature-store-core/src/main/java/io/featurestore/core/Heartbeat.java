package io.featurestore.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stream processor instance's liveness signal, stored as one field of the heartbeat
 * hash with its own TTL: when the instance stops, its field expires.
 *
 * @param instanceId    the processor instance (host and pid)
 * @param state         its Kafka Streams state (RUNNING, REBALANCING, …)
 * @param writtenAtMs   wall-clock time of this heartbeat
 * @param lastEventTsMs event time of the newest event it applied, or -1
 * @param eventsTotal   events applied since it started
 */
public record Heartbeat(String instanceId, String state, long writtenAtMs, long lastEventTsMs, long eventsTotal) {

  String encode() {
    return "state=" + state + ";written_at_ms=" + writtenAtMs + ";last_event_ts_ms=" + lastEventTsMs
        + ";events_total=" + eventsTotal;
  }

  static Heartbeat decode(String instanceId, String wire) {
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : wire.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return new Heartbeat(instanceId, parts.getOrDefault("state", "UNKNOWN"), number(parts.get("written_at_ms")),
        number(parts.get("last_event_ts_ms")), number(parts.get("events_total")));
  }

  private static long number(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
