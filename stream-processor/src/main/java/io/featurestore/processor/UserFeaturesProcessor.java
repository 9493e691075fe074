package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each user's events into absolute feature values and hands them to the thread's
 * {@link SinkBuffer}:
 * <ul>
 *   <li>{@code tx_count_5m} and {@code failed_logins_15m} are true sliding windows over
 *       event time, re-evaluated on the wall clock: a count goes down when its oldest events
 *       leave the window, and is removed when it reaches zero;</li>
 *   <li>{@code last_login_ts}, {@code last_device_id}, {@code session_country} follow the
 *       latest successful login by event time; an older, late login never overwrites them.
 *       They expire one stream TTL after that login was processed, and a rewrite keeps that
 *       expiry;</li>
 *   <li>a live count is rewritten before its field TTL (the lease) lapses, even without
 *       new events, so it never disappears while the processor runs.</li>
 * </ul>
 * A wall-clock punctuator evaluates the users whose features are due to change, flushes the
 * buffer to Redis and then asks Kafka Streams to commit, so offsets are committed only
 * for records whose effects are in Redis. On start (after state restoration) every live user
 * in the store is written again, which also repairs writes lost in a crash; users with nothing
 * live left are removed from the store.
 *
 * <p>Changed users are kept as live objects and written to the store once per commit, from
 * the {@link PreCommitHook}: a busy user costs one small in-memory update per event, not a
 * serialization of its whole window.
 */
final class UserFeaturesProcessor implements Processor<String, Event, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(UserFeaturesProcessor.class);
  /** Unchanged users kept deserialized, so frequent users are not read back from RocksDB on every event. */
  static final int CACHED_USERS = 10_000;

  private final TopologySettings settings;
  private final SinkBuffers sinks;
  private final ProcessorMetrics metrics;
  private final long streamTtlMs;
  private final long leaseRenewalMs;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, UserState> store;
  private SinkBuffer sink;
  private String task;
  /** Users changed since the last commit; written to the store by the pre-commit hook. */
  private final Map<String, UserState> changed = new HashMap<>();
  private final Map<String, UserState> cached = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, UserState> eldest) {
      return size() > CACHED_USERS;
    }
  };
  /**
   * Users whose features change by themselves at a known time, ordered by the time kept for
   * them: that time, or an earlier one (see {@link #reschedule}), never a later one.
   */
  private final TreeSet<Due> schedule = new TreeSet<>();
  private final Map<String, Long> dueAt = new HashMap<>();
  private long lastCommitRequest;
  /** The writer's {@link FeatureWriter#serverResets()} when this task last wrote all its live users. */
  private long serverResets;

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
    this.streamTtlMs = settings.streamTtl().toMillis();
    this.leaseRenewalMs = settings.leaseRenewal().toMillis();
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(FeatureTopology.USER_STATE_STORE);
    PreCommitHook hook = context.getStateStore(PreCommitHook.NAME);
    hook.onPreCommit(this::writeChangedUsers);
    this.sink = sinks.forCurrentThread();
    this.task = context.taskId().toString();
    long now = context.currentSystemTimeMs();
    serverResets = sink.serverResets();
    rewriteLiveUsers(now, "from restored state");
    lastCommitRequest = now;
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, Event> record) {
    Event event = record.value();
    long now = context.currentSystemTimeMs();
    String userId = record.key();
    UserState state = stateOf(userId);
    boolean isLogin = event instanceof LoginEvent;
    String type = !isLogin ? "transaction" : ((LoginEvent) event).success() ? "login" : "failed_login";
    // The source offset identifies the event: a user's events of one topic all come from one
    // partition, in offset order, so a record at or below the user's high-water offset of that
    // topic was applied before (a replay after a crash) and must not count twice.
    RecordMetadata origin = context.recordMetadata().orElse(null);
    if (origin != null && origin.offset() >= 0) {
      boolean fromLogins = origin.topic().equals(Topics.LOGIN);
      long highWater = fromLogins ? state.loginHighWater : state.transactionHighWater;
      if (origin.offset() <= highWater) {
        metrics.replaySkipped(type);
        return;
      }
      if (fromLogins) {
        state.loginHighWater = origin.offset();
      } else {
        state.transactionHighWater = origin.offset();
      }
    }
    boolean changedState;
    if (event instanceof TransactionEvent) {
      changedState = addToWindow(state.transactions, event.ts(), now, type);
    } else {
      LoginEvent login = (LoginEvent) event;
      if (login.success()) {
        changedState = login.ts() > state.lastLoginTs;
        if (changedState) {
          state.lastLoginTs = login.ts();
          state.lastDeviceId = login.deviceId();
          state.lastCountry = login.country();
          state.lastLoginProcessedAt = now;
        }
      } else {
        changedState = addToWindow(state.failedLogins, event.ts(), now, type);
      }
    }
    metrics.eventProcessed(type);
    metrics.eventTime(event.ts());
    if (changedState) {
      evaluate(userId, state, now, event.ts(), type.equals("login"), false);
    } else {
      changed.put(userId, state); // keep the advanced high-water offset
    }
  }

  private UserState stateOf(String userId) {
    UserState state = changed.get(userId);
    if (state == null) {
      state = cached.get(userId);
    }
    if (state == null) {
      state = store.get(userId);
      if (state == null) {
        state = new UserState();
      }
      cached.put(userId, state);
    }
    return state;
  }

  private boolean addToWindow(SlidingWindow window, long ts, long now, String type) {
    if (window.isTooOld(ts, now)) {
      metrics.lateEvent(type);
      return false;
    }
    window.add(ts, 0);
    return true;
  }

  /**
   * Brings one user's Redis fields up to date with its state at {@code now}, marks the state
   * changed and schedules the next moment its features change by themselves.
   */
  private void evaluate(String userId, UserState state, long now, long causeEventTs, boolean loginChanged,
      boolean rewriteAll) {
    state.transactions.evict(now);
    state.failedLogins.evict(now);
    long tx = state.transactions.count(now);
    long failed = state.failedLogins.count(now);
    boolean leaseDue = now >= state.leaseRenewAt;
    boolean countsChanged = tx != state.writtenTxCount || failed != state.writtenFailedCount;

    Map<String, Object> set = new HashMap<>();
    Set<String> remove = new HashSet<>();
    if (countsChanged || leaseDue || rewriteAll) {
      putCount(set, remove, StreamingFeatures.TX_COUNT_5M, tx, state.writtenTxCount, rewriteAll);
      putCount(set, remove, StreamingFeatures.FAILED_LOGINS_15M, failed, state.writtenFailedCount, rewriteAll);
      state.writtenTxCount = tx;
      state.writtenFailedCount = failed;
      state.leaseRenewAt = tx > 0 || failed > 0 ? now + leaseRenewalMs : Long.MAX_VALUE;
    }
    long loginExpiresAt = state.loginExpiresAt(streamTtlMs);
    boolean loginLive = loginExpiresAt > now;
    Map<String, Object> expiring = Map.of();
    if (loginLive && (loginChanged || rewriteAll)) {
      expiring = new HashMap<>(4);
      expiring.put(StreamingFeatures.LAST_LOGIN_TS, state.lastLoginTs);
      expiring.put(StreamingFeatures.LAST_DEVICE_ID, state.lastDeviceId);
      expiring.put(StreamingFeatures.SESSION_COUNTRY, state.lastCountry);
    }
    sink.put(task, userId, set, expiring, loginExpiresAt, remove, causeEventTs);

    long next = Math.min(Math.min(state.transactions.nextChangeAt(now), state.failedLogins.nextChangeAt(now)),
        state.leaseRenewAt);
    if (loginLive) {
      next = Math.min(next, loginExpiresAt); // then the user may have nothing live left
    }
    reschedule(userId, next);
    changed.put(userId, state);
  }

  private static void putCount(Map<String, Object> set, Set<String> remove, String field, long count, long written,
      boolean rewriteAll) {
    if (count > 0) {
      set.put(field, count);
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

  /**
   * Writes every live user again (on start, and after Redis lost its data set) and marks users
   * with nothing live left for removal from the store.
   */
  private void rewriteLiveUsers(long now, String why) {
    int live = 0;
    int dead = 0;
    java.util.List<String> users = new java.util.ArrayList<>(changed.keySet());
    try (KeyValueIterator<String, UserState> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, UserState> entry = all.next();
        if (!changed.containsKey(entry.key)) {
          cached.putIfAbsent(entry.key, entry.value);
          users.add(entry.key);
        }
      }
    }
    for (String user : users) {
      UserState state = stateOf(user);
      if (state.isDead(now, streamTtlMs)) {
        changed.put(user, state); // removed from the store at the next commit
        dead++;
      } else {
        evaluate(user, state, now, -1, false, true);
        live++;
      }
    }
    if (live + dead > 0) {
      LOG.info("Task {}: rewriting the streaming features of {} live users {}; removing {} users with nothing live left",
          task, live, why, dead);
    }
  }

  private void punctuate(long now) {
    while (!schedule.isEmpty() && schedule.first().at() <= now) {
      Due due = schedule.pollFirst();
      dueAt.remove(due.userId());
      UserState state = stateOf(due.userId());
      if (state.isDead(now, streamTtlMs)) {
        changed.put(due.userId(), state); // removed from the store at the next commit
      } else {
        evaluate(due.userId(), state, now, -1, false, false);
      }
    }
    flushAndCommit(now);
  }

  private void flushAndCommit(long now) {
    boolean wrote = sink.flush() > 0;
    long resets = sink.serverResets();
    if (resets != serverResets) {
      // Redis lost its data set (restarted without persistence, flushed): write everything live
      // again now rather than wait for each user's next change or lease renewal.
      serverResets = resets;
      rewriteLiveUsers(now, "after Redis lost its data set");
      wrote = sink.flush() > 0 || wrote;
    }
    // Kafka Streams commits right after punctuation, with no record processed in between,
    // and automatic commits are off (see StreamProcessorConfig): offsets never run ahead of Redis.
    if (wrote || !changed.isEmpty() || now - lastCommitRequest >= settings.commitInterval().toMillis()) {
      context.commit();
      lastCommitRequest = now;
    }
  }

  /** The pre-commit hook: every changed user goes to the store (and its changelog) before offsets are committed. */
  private void writeChangedUsers() {
    if (changed.isEmpty()) {
      return;
    }
    long now = context.currentSystemTimeMs();
    for (Map.Entry<String, UserState> e : changed.entrySet()) {
      UserState state = e.getValue();
      if (state.isDead(now, streamTtlMs)) {
        store.delete(e.getKey());
        cached.remove(e.getKey());
      } else {
        store.put(e.getKey(), state);
        cached.put(e.getKey(), state);
      }
    }
    changed.clear();
  }

  @Override
  public void close() {
    // Kafka Streams has already flushed this task's state (the pre-commit hook runs on every
    // close) and, on a clean close, committed its offsets. Pending Redis writes are written
    // only on a clean shutdown; a task closed for any other reason (lost to another instance,
    // failed, revoked) drops them, and whoever runs it next rewrites its live users from the
    // state store, so stale values never overwrite newer ones.
    if (sinks.isShuttingDown()) {
      try {
        sink.flush();
      } catch (RuntimeException e) {
        LOG.warn("Task {}: pending Redis writes not written at shutdown ({}); the next start rewrites them", task,
            e.getMessage());
        sink.discard(task);
      }
    } else {
      int dropped = sink.discard(task);
      if (dropped > 0) {
        LOG.info("Task {} closed: {} pending Redis writes dropped; its next owner rewrites its live users from the "
            + "state store", task, dropped);
      }
    }
    changed.clear();
    cached.clear();
  }
}
