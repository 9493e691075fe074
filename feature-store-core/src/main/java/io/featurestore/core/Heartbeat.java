package io.featurestore.core;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * @param status        its own verdict on its health: {@code OK}, {@code FAILING} (a stream
 *                      thread keeps failing and being replaced), {@code STALLED} (records wait
 *                      and none are consumed), {@code STARTING} or {@code DOWN}
 * @param reason        why the status is not OK, in words; empty when OK
 * @param statusSinceMs wall-clock time since when the status holds, or -1 when unknown
 */
public record Heartbeat(String instanceId, String state, long writtenAtMs, long lastEventTsMs, long eventsTotal,
    String status, String reason, long statusSinceMs) {

  public static final String OK = "OK";
  /** Where every key that is not an entity lives. */
  static final String META_PREFIX = "fs:meta:";
  /** Longest reason kept on the wire; a heartbeat stays a short field. */
  static final int MAX_REASON = 300;

  public Heartbeat {
    status = status == null || status.isBlank() ? OK : status;
    reason = reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON - 1) + "…" : reason;
  }

  /** A healthy instance's heartbeat (status OK). */
  public Heartbeat(String instanceId, String state, long writtenAtMs, long lastEventTsMs, long eventsTotal) {
    this(instanceId, state, writtenAtMs, lastEventTsMs, eventsTotal, OK, "", -1);
  }

  /**
   * The hash of the heartbeats of the processors that write {@code registry}'s entities: under
   * {@code fs:meta:}, never under an entity prefix, so a reset or the entity statistics never meet
   * it. One field per instance, each with a TTL: when an instance stops, its field expires.
   */
  static String keyFor(FeatureRegistry registry) {
    return META_PREFIX + "stream-processor:" + registry.keyPrefix();
  }

  public boolean ok() {
    return OK.equals(status);
  }

  /**
   * {@code key=value} pairs separated by {@code ;}. The reason is URL-encoded (so it cannot
   * contain either separator) and written last; readers ignore keys they do not know.
   */
  String encode() {
    return "state=" + state + ";written_at_ms=" + writtenAtMs + ";last_event_ts_ms=" + lastEventTsMs
        + ";events_total=" + eventsTotal + ";status=" + status + ";status_since_ms=" + statusSinceMs
        + ";reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
  }

  /**
   * Reads both this form and the older one without {@code status}, {@code status_since_ms} and
   * {@code reason}: older processors wrote a heartbeat only while healthy, so it reads as OK.
   */
  static Heartbeat decode(String instanceId, String wire) {
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : wire.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return new Heartbeat(instanceId, parts.getOrDefault("state", "UNKNOWN"), number(parts.get("written_at_ms")),
        number(parts.get("last_event_ts_ms")), number(parts.get("events_total")), parts.getOrDefault("status", OK),
        text(parts.get("reason")), number(parts.get("status_since_ms")));
  }

  private static long number(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String text(String encoded) {
    if (encoded == null) {
      return "";
    }
    try {
      return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return encoded;
    }
  }
}
