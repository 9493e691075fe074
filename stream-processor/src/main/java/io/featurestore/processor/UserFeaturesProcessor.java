package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each user's events into absolute feature values and hands them to the thread's
 * {@link SinkBuffer}:
 * <ul>
 *   <li>{@code tx_count_5m} and {@code failed_logins_15m} are true sliding windows over
 *       event time, re-evaluated on the wall clock: a count goes down when its oldest event
 *       leaves the window, and is removed when it reaches zero;</li>
 *   <li>{@code last_login_ts}, {@code last_device_id}, {@code session_country} follow the
 *       latest successful login by event time; an older, late login never overwrites them;</li>
 *   <li>a live count is rewritten before its field TTL (the lease) lapses, even without
 *       new events, so it never disappears while the processor runs.</li>
 * </ul>
 * A wall-clock punctuator evaluates the users whose counts are due to change, flushes the
 * buffer to Redis and then asks Kafka Streams to commit, so offsets are committed only
 * for records whose effects are in Redis. On start (after state restoration) every user
 * in the store is written again, which also repairs writes lost in a crash.
 */
final class UserFeaturesProcessor implements Processor<String, Event, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(UserFeaturesProcessor.class);

  private final TopologySettings settings;
  private final SinkBuffers sinks;
  private final ProcessorMetrics metrics;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, UserState> store;
  private SinkBuffer sink;
  /**
   * Users whose features change by themselves at a known time, ordered by the time kept for
   * them: that time, or an earlier one (see {@link #reschedule}), never a later one.
   */
  private final TreeSet<Due> schedule = new TreeSet<>();
  private final Map<String, Long> dueAt = new HashMap<>();
  private long lastCommitRequest;

  private record Due(long at, String userId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : userId.compareTo(o.userId);
    }
  }

  UserFeaturesProcessor(TopologySettings settings, SinkBuffers sinks, ProcessorMetrics metrics) {
    this.settings = settings;
    this.sinks = sinks;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(FeatureTopology.USER_STATE_STORE);
    this.sink = sinks.forCurrentThread();
    long now = context.currentSystemTimeMs();
    int users = 0;
    try (KeyValueIterator<String, UserState> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, UserState> entry = all.next();
        evaluate(entry.key, entry.value, now, -1, false, true);
        users++;
      }
    }
    if (users > 0) {
      LOG.info("Task {}: rewriting the streaming features of {} users from restored state", context.taskId(), users);
    }
    lastCommitRequest = now;
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, Event> record) {
    Event event = record.value();
    long now = context.currentSystemTimeMs();
    // The source offset identifies the event, so a replayed record is not counted twice.
    long id = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
    UserState state = store.get(record.key());
    if (state == null) {
      state = new UserState();
    }
    boolean changed;
    String type;
    if (event instanceof TransactionEvent) {
      type = "transaction";
      changed = addToWindow(state.transactions, event.ts(), id, now, type);
    } else {
      LoginEvent login = (LoginEvent) event;
      if (login.success()) {
        type = "login";
        changed = login.ts() > state.lastLoginTs;
        if (changed) {
          state.lastLoginTs = login.ts();
          state.lastDeviceId = login.deviceId();
          state.lastCountry = login.country();
          state.lastLoginProcessedAt = now;
        }
      } else {
        type = "failed_login";
        changed = addToWindow(state.failedLogins, event.ts(), id, now, type);
      }
    }
    metrics.eventProcessed(type);
    metrics.eventTime(event.ts());
    if (changed) {
      evaluate(record.key(), state, now, event.ts(), type.equals("login"), false);
    }
  }

  private boolean addToWindow(EventWindow window, long ts, long id, long now, String type) {
    if (window.isTooOld(ts, now)) {
      metrics.lateEvent(type);
      return false;
    }
    return window.add(ts, id);
  }

  /**
   * Brings one user's Redis fields up to date with its state at {@code now}, stores the
   * state and schedules the next moment its features change by themselves.
   */
  private void evaluate(String userId, UserState state, long now, long causeEventTs, boolean loginChanged,
      boolean rewriteAll) {
    state.transactions.evict(now);
    state.failedLogins.evict(now);
    int tx = state.transactions.count(now);
    int failed = state.failedLogins.count(now);
    boolean leaseDue = now >= state.leaseRenewAt;
    boolean countsChanged = tx != state.writtenTxCount || failed != state.writtenFailedCount;

    Map<String, Object> set = new HashMap<>();
    Set<String> remove = new HashSet<>();
    if (countsChanged || leaseDue || rewriteAll) {
      putCount(set, remove, StreamingFeatures.TX_COUNT_5M, tx, state.writtenTxCount, rewriteAll);
      putCount(set, remove, StreamingFeatures.FAILED_LOGINS_15M, failed, state.writtenFailedCount, rewriteAll);
      state.writtenTxCount = tx;
      state.writtenFailedCount = failed;
      state.leaseRenewAt = tx > 0 || failed > 0 ? now + settings.leaseRenewal().toMillis() : Long.MAX_VALUE;
    }
    boolean loginStillLive = state.lastLoginTs >= 0 && state.lastLoginProcessedAt + settings.streamTtl().toMillis() > now;
    if (loginChanged || (rewriteAll && loginStillLive)) {
      set.put(StreamingFeatures.LAST_LOGIN_TS, state.lastLoginTs);
      set.put(StreamingFeatures.LAST_DEVICE_ID, state.lastDeviceId);
      set.put(StreamingFeatures.SESSION_COUNTRY, state.lastCountry);
    }
    sink.put(userId, set, remove, causeEventTs);

    long next = Math.min(Math.min(state.transactions.nextChangeAt(now), state.failedLogins.nextChangeAt(now)),
        state.leaseRenewAt);
    reschedule(userId, next);
    if (state.isEmpty()) {
      store.delete(userId);
    } else {
      store.put(userId, state);
    }
  }

  private static void putCount(Map<String, Object> set, Set<String> remove, String field, int count, int written,
      boolean rewriteAll) {
    if (count > 0) {
      set.put(field, (long) count);
    } else if (written > 0 || rewriteAll) {
      remove.add(field);
    }
  }

  private void reschedule(String userId, long at) {
    Long previous = dueAt.get(userId);
    if (previous != null && previous <= at && at != Long.MAX_VALUE) {
      // An earlier wake-up is already scheduled: keep it. When it fires, evaluate() writes only
      // what is due by then (usually nothing) and schedules the true next moment. Most events
      // move a user's next change later (the lease renewal), so this saves two ordered-set
      // operations per event (docs/BENCHMARKS.md, "Stream processor throughput").
      return;
    }
    dueAt.remove(userId);
    if (previous != null) {
      schedule.remove(new Due(previous, userId));
    }
    if (at != Long.MAX_VALUE) {
      dueAt.put(userId, at);
      schedule.add(new Due(at, userId));
    }
  }

  private void punctuate(long now) {
    while (!schedule.isEmpty() && schedule.first().at() <= now) {
      Due due = schedule.pollFirst();
      dueAt.remove(due.userId());
      UserState state = store.get(due.userId());
      if (state != null) {
        evaluate(due.userId(), state, now, -1, false, false);
      }
    }
    flushAndCommit(now);
  }

  private void flushAndCommit(long now) {
    boolean wrote = sink.flush() > 0;
    // Kafka Streams commits right after punctuation, with no record processed in between,
    // and automatic commits are off (see StreamProcessorConfig): offsets never run ahead of Redis.
    if (wrote || now - lastCommitRequest >= settings.commitInterval().toMillis()) {
      context.commit();
      lastCommitRequest = now;
    }
  }

  @Override
  public void close() {
    // A clean close (shutdown, rebalance) commits this task's offsets next: write first.
    sink.flush();
  }

}
