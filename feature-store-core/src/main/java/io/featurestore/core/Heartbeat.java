package io.featurestore.core;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
 * @param partitions    the input partitions its stream tasks own now ({@code events.login-0}, …), sorted;
 *                      empty while it owns none (rebalancing, idle beyond the partition count) and
 *                      from an older processor, which did not say
 */
public record Heartbeat(String instanceId, String state, long writtenAtMs, long lastEventTsMs, long eventsTotal,
    String status, String reason, long statusSinceMs, List<String> partitions) {

  public static final String OK = "OK";
  /** Where every key that is not an entity lives. */
  static final String META_PREFIX = "fs:meta:";
  /** Longest reason kept on the wire; a heartbeat stays a short field. */
  static final int MAX_REASON = 300;
  /** {@code events.login-2} before {@code events.login-10}: by topic, then by partition number. */
  private static final Comparator<String> BY_TOPIC_THEN_NUMBER = Comparator.comparing(Heartbeat::topicOf)
      .thenComparingLong(Heartbeat::numberOf).thenComparing(Comparator.naturalOrder());

  public Heartbeat {
    status = status == null || status.isBlank() ? OK : status;
    reason = reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON - 1) + "…" : reason;
    partitions = partitions == null ? List.of() : partitions.stream().sorted(BY_TOPIC_THEN_NUMBER).distinct().toList();
  }

  /** A heartbeat that names no partitions. */
  public Heartbeat(String instanceId, String state, long writtenAtMs, long lastEventTsMs, long eventsTotal,
      String status, String reason, long statusSinceMs) {
    this(instanceId, state, writtenAtMs, lastEventTsMs, eventsTotal, status, reason, statusSinceMs, List.of());
  }

  /** A healthy instance's heartbeat (status OK) that names no partitions. */
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
   * {@code key=value} pairs separated by {@code ;}. The partitions are a comma-separated list
   * (Kafka topic names hold only letters, digits, {@code .}, {@code _} and {@code -}, so no
   * separator), each URL-encoded all the same; the reason is URL-encoded (so it cannot contain
   * either separator) and written last. Readers ignore keys they do not know.
   */
  String encode() {
    List<String> encoded = partitions.stream().map(p -> URLEncoder.encode(p, StandardCharsets.UTF_8)).toList();
    return "state=" + state + ";written_at_ms=" + writtenAtMs + ";last_event_ts_ms=" + lastEventTsMs
        + ";events_total=" + eventsTotal + ";status=" + status + ";status_since_ms=" + statusSinceMs
        + ";partitions=" + String.join(",", encoded) + ";reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
  }

  /**
   * Reads this form and the older ones: without {@code partitions} (a processor that did not
   * say which it owned) it names none; without {@code status}, {@code status_since_ms} and
   * {@code reason} it reads as OK, since older processors wrote a heartbeat only while healthy.
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
        text(parts.get("reason")), number(parts.get("status_since_ms")), list(parts.get("partitions")));
  }

  private static List<String> list(String encoded) {
    List<String> out = new ArrayList<>();
    if (encoded != null) {
      for (String item : encoded.split(",")) {
        if (!item.isBlank()) {
          out.add(text(item));
        }
      }
    }
    return out;
  }

  private static String topicOf(String partition) {
    int dash = partition.lastIndexOf('-');
    return dash < 0 ? partition : partition.substring(0, dash);
  }

  private static long numberOf(String partition) {
    return number(partition.substring(partition.lastIndexOf('-') + 1));
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
