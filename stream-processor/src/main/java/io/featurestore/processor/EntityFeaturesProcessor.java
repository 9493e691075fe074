package io.featurestore.processor;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureType;
import io.featurestore.core.StreamAggregation;
import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
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
 * Turns one entity's events into absolute values of the features the registry declares for it
 * ({@link DeclaredFeatures.Group}) and hands them to the thread's {@link SinkBuffer}:
 * <ul>
 *   <li>window features ({@code count}, {@code sum}, {@code mean}, {@code min}, {@code max})
 *       are true sliding windows over event time, re-evaluated on the wall clock: a value
 *       changes when its oldest events leave the window, and is removed when the window holds
 *       no event;</li>
 *   <li>{@code last} features follow the latest selected event by event time; an older, late
 *       event never overwrites them. They expire one stream TTL after that event was processed,
 *       and a rewrite keeps that expiry;</li>
 *   <li>live window features are rewritten before their field TTL (the lease) lapses, even
 *       without new events, so they never disappear while the processor runs.</li>
 * </ul>
 * A wall-clock punctuator evaluates the entities whose features are due to change, flushes the
 * buffer to Redis and then asks Kafka Streams to commit, so offsets are committed only
 * for records whose effects are in Redis. On start (after state restoration) every live entity
 * in the store is written again, which also repairs writes lost in a crash; entities with
 * nothing live left are removed from the store.
 *
 * <p>Changed entities are kept as live objects and written to the store once per commit, from
 * the {@link PreCommitHook}: a busy entity costs one small in-memory update per event, not a
 * serialization of its whole window.
 *
 * <p>A record is identified by its source partition and offset: for the user entity those of
 * the input record itself, for a repartitioned entity those the rekeying step put in the
 * {@link Rekey#SOURCE_HEADER} header. An entity's events of one source partition arrive in
 * offset order, so a record at or below the entity's high-water offset of that partition was
 * applied before (a replay after a crash, or a repartition record written twice) and is skipped.
 */
final class EntityFeaturesProcessor implements Processor<String, Event, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(EntityFeaturesProcessor.class);
  /** Unchanged entities kept deserialized, so frequent ones are not read back from RocksDB on every event. */
  static final int CACHED_ENTITIES = 10_000;

  /** The meta store's key of the declarations fingerprint the task's state was built with. */
  static final String FINGERPRINT = "declarations";

  private final DeclaredFeatures.Group group;
  private final String storeName;
  /** Where to reread retained events for a rebuild; null when there is nowhere (topology tests). */
  private final RetainedEvents retained;
  private final EventJson json;
  private final FeatureRegistry entity;
  private KeyValueStore<String, String> meta;
  /** Pre-commits to go before the rebuilt state's fingerprint is recorded; 0 when there is nothing to record. */
  private int fingerprintAfterCommits;
  /** The rebuild in progress, read a slice per punctuation; null when there is none. */
  private Rebuild rebuild;
  /** The rewrite of every live entity in progress, a slice per punctuation; null when there is none. */
  private Rewrite rewrite;
  private final TopologySettings settings;
  private final SinkBuffers sinks;
  private final ProcessorMetrics metrics;
  private final long streamTtlMs;
  private final long leaseRenewalMs;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, EntityState> store;
  private SinkBuffer sink;
  private String task;
  /** Entities changed since the last commit; written to the store by the pre-commit hook. */
  private final Map<String, EntityState> changed = new HashMap<>();
  private final Map<String, EntityState> cached = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, EntityState> eldest) {
      return size() > CACHED_ENTITIES;
    }
  };
  /**
   * Entities whose features change by themselves at a known time, ordered by the time kept for
   * them: that time, or an earlier one (see {@link #reschedule}), never a later one.
   */
  private final TreeSet<Due> schedule = new TreeSet<>();
  private final Map<String, Long> dueAt = new HashMap<>();
  /** {@code topic:partition} strings, made once per source partition. */
  private final Map<String, Map<Integer, String>> sourceNames = new HashMap<>();
  private long lastCommitRequest;
  /** The writer's {@link FeatureWriter#serverResets()} when this task last wrote all its live entities. */
  private long serverResets;

  private record Due(long at, String entityId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : entityId.compareTo(o.entityId);
    }
  }

  EntityFeaturesProcessor(DeclaredFeatures.Group group, TopologySettings settings, SinkBuffers sinks,
      ProcessorMetrics metrics, RetainedEvents retained) {
    this.group = group;
    this.storeName = group.storeName();
    this.retained = retained;
    this.json = new EventJson(settings.registry());
    this.entity = settings.registry().forEntity(group.entity);
    this.settings = settings;
    this.sinks = sinks;
    this.metrics = metrics;
    this.streamTtlMs = settings.streamTtl().toMillis();
    this.leaseRenewalMs = settings.leaseRenewal().toMillis();
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    PreCommitHook hook = context.getStateStore(group.preCommitHookName());
    hook.onPreCommit(this::writeChangedEntities);
    this.sink = sinks.forCurrentThread();
    this.task = context.taskId().toString();
    this.meta = context.getStateStore(DeclaredFeatures.metaStoreName(storeName));
    long now = context.currentSystemTimeMs();
    String builtWith = meta.get(FINGERPRINT);
    serverResets = sink.serverResets();
    lastCommitRequest = now;
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    if (!group.fingerprint().equals(builtWith)) {
      if (retained != null && retained.hasCommittedInput()) {
        startRebuild(now, builtWith == null ? "its state has no record of the declarations it was built with"
            : "its declarations changed");
        pacedRebuild(now);
        return;
      }
      meta.put(FINGERPRINT, group.fingerprint());
    }
    rewriteLiveEntities(now, "from restored state");
  }

  @Override
  public void process(Record<String, Event> record) {
    Event event = record.value();
    long now = context.currentSystemTimeMs();
    String id = record.key();
    Source source = sourceOf(record);
    if (rebuild != null && source != null && rebuild.defer(source)) {
      return;
    }
    EntityState state = stateOf(id);
    String type = metricType(event);
    if (source != null) {
      if (source.offset() <= state.highWater(source.partition())) {
        metrics.replaySkipped(group.entity, type);
        return;
      }
      state.setHighWater(source.partition(), source.offset());
    }
    int applied = apply(state, event, now, now);
    if (applied == TOO_OLD) {
      metrics.lateEvent(group.entity, type);
    }
    metrics.eventProcessed(group.entity, type);
    metrics.eventTime(event.ts());
    if ((applied & (WINDOWS_CHANGED | LAST_CHANGED)) != 0 && rebuild == null) {
      evaluate(id, state, now, event.ts(), (applied & LAST_CHANGED) != 0, false);
    } else {
      changed.put(id, state); // keep the advanced high-water offset
    }
  }

  private static final int WINDOWS_CHANGED = 1;
  private static final int LAST_CHANGED = 2;
  /** Selected by a window that it is too old for, and by nothing else. */
  private static final int TOO_OLD = 4;

  /**
   * Applies one event to an entity's windows and facts at {@code now}; a fact it replaces counts
   * as processed at {@code processedAt}. Returns what changed ({@link #WINDOWS_CHANGED},
   * {@link #LAST_CHANGED}) or {@link #TOO_OLD}.
   */
  private int apply(EntityState state, Event event, long now, long processedAt) {
    boolean windowsChanged = false;
    boolean tooOld = false;
    long ts = event.ts();
    for (int i = 0; i < group.windows.size(); i++) {
      DeclaredFeatures.WindowSlot slot = group.windows.get(i);
      if (!slot.selector().matches(event)) {
        continue;
      }
      SlidingWindow window = state.windows[i];
      if (window.isTooOld(ts, now)) {
        tooOld = true;
        continue;
      }
      double value = slot.withValues() ? event.fieldNumber(slot.field()) : 0;
      if (!Double.isNaN(value)) {
        window.add(ts, value);
        windowsChanged = true;
      }
    }
    boolean lastChanged = false;
    for (int i = 0; i < group.lasts.size(); i++) {
      DeclaredFeatures.LastSlot slot = group.lasts.get(i);
      if (slot.selector().matches(event) && ts > state.lastTs[i]) {
        state.lastTs[i] = ts;
        state.lastProcessedAt[i] = processedAt;
        java.util.List<String> fields = slot.fields();
        for (int f = 0; f < fields.size(); f++) {
          state.lastValues[i][f] = event.field(fields.get(f));
        }
        lastChanged = true;
      }
    }
    if (windowsChanged || lastChanged) {
      return (windowsChanged ? WINDOWS_CHANGED : 0) | (lastChanged ? LAST_CHANGED : 0);
    }
    return tooOld ? TOO_OLD : 0;
  }

  /** The label of an event in the processor's metrics: login, failed_login or transaction. */
  private static String metricType(Event event) {
    if (event instanceof LoginEvent login) {
      return login.success() ? "login" : "failed_login";
    }
    return event.type();
  }

  /** Where a record came from: its source partition as {@code topic:partition}, and its offset there. */
  private record Source(String partition, long offset) {
  }

  /**
   * The record's source, read once: the input record's own for the user, the rekeying step's
   * header for a repartitioned entity. Null when it has none (a test's punctuation) or when the
   * header is not one the rekeying step writes; such a record is applied without the replay check.
   */
  private Source sourceOf(Record<String, Event> record) {
    if (!group.byRecordKey()) {
      Header header = record.headers().lastHeader(Rekey.SOURCE_HEADER);
      String text = header == null || header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
      int at = text.lastIndexOf('@');
      try {
        return at <= 0 ? null : new Source(text.substring(0, at), Long.parseLong(text.substring(at + 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    RecordMetadata origin = context.recordMetadata().orElse(null);
    if (origin == null || origin.offset() < 0) {
      return null;
    }
    return new Source(sourceNames.computeIfAbsent(origin.topic(), t -> new HashMap<>())
        .computeIfAbsent(origin.partition(), p -> origin.topic() + ":" + p), origin.offset());
  }

  private EntityState stateOf(String id) {
    EntityState state = changed.get(id);
    if (state == null) {
      state = cached.get(id);
    }
    if (state == null) {
      state = store.get(id);
      if (state == null) {
        state = new EntityState(group);
      }
      cached.put(id, state);
    }
    return state;
  }

  /**
   * Brings one entity's Redis fields up to date with its state at {@code now}, marks the state
   * changed and schedules the next moment its features change by themselves.
   */
  private void evaluate(String id, EntityState state, long now, long causeEventTs, boolean lastChanged,
      boolean rewriteAll) {
    for (SlidingWindow w : state.windows) {
      w.evict(now);
    }
    double[] values = new double[state.written.length];
    boolean valuesChanged = false;
    for (int f = 0; f < values.length; f++) {
      values[f] = valueOf(group.windowFeatures.get(f), state, now);
      valuesChanged |= Double.compare(values[f], state.written[f]) != 0;
    }
    boolean leaseDue = now >= state.leaseRenewAt;
    Map<String, Object> set = new HashMap<>();
    Set<String> remove = new HashSet<>();
    if (valuesChanged || leaseDue || rewriteAll) {
      boolean live = false;
      for (int f = 0; f < values.length; f++) {
        DeclaredFeatures.Feature feature = group.windowFeatures.get(f);
        if (!Double.isNaN(values[f])) {
          set.put(feature.name(), boxed(feature, values[f]));
          live = true;
        } else if (!Double.isNaN(state.written[f]) || rewriteAll) {
          remove.add(feature.name());
        }
        state.written[f] = values[f];
      }
      state.leaseRenewAt = live ? now + leaseRenewalMs : Long.MAX_VALUE;
    }
    long next = state.leaseRenewAt;
    for (SlidingWindow w : state.windows) {
      next = Math.min(next, w.nextChangeAt(now));
    }
    sink.put(task, group.entity, id, set, remove, causeEventTs);
    for (int i = 0; i < group.lasts.size(); i++) {
      long expiresAt = state.lastExpiresAt(i, streamTtlMs);
      if (expiresAt <= now) {
        continue;
      }
      if (lastChanged || rewriteAll) {
        Map<String, Object> expiring = new HashMap<>(4);
        for (DeclaredFeatures.Feature feature : group.features) {
          if (feature.aggregate() == StreamAggregation.Aggregate.LAST && feature.slot() == i) {
            Object value = state.lastValues[i][group.lasts.get(i).fields().indexOf(feature.field())];
            if (value != null) {
              expiring.put(feature.name(), value);
            }
          }
        }
        sink.putExpiring(task, group.entity, id, expiring, expiresAt, causeEventTs);
      }
      next = Math.min(next, expiresAt); // then the entity may have nothing live left
    }
    reschedule(id, next);
    changed.put(id, state);
  }

  /** A window feature's value at {@code now}: NaN when its window holds no event. */
  private static double valueOf(DeclaredFeatures.Feature feature, EntityState state, long now) {
    SlidingWindow w = state.windows[feature.slot()];
    long count = w.count(now);
    if (count == 0) {
      return Double.NaN;
    }
    switch (feature.aggregate()) {
      case COUNT:
        return count;
      case SUM:
        return w.sum(now);
      case MEAN:
        return w.sum(now) / count;
      case MIN:
        return w.min(now);
      case MAX:
        return w.max(now);
      default:
        throw new AssertionError(feature.aggregate());
    }
  }

  /** The value as its feature's type: a count or a min/max of a timestamp is a Long, anything else a Double. */
  private static Object boxed(DeclaredFeatures.Feature feature, double value) {
    return feature.type() == FeatureType.INT || feature.type() == FeatureType.TIMESTAMP_MS ? (Object) (long) value
        : (Object) value;
  }

  private void reschedule(String id, long at) {
    Long previous = dueAt.get(id);
    if (previous != null && previous <= at && at != Long.MAX_VALUE) {
      // An earlier wake-up is already scheduled: keep it. When it fires, evaluate() writes only
      // what is due by then (usually nothing) and schedules the true next moment. Most events
      // move an entity's next change later (the lease renewal), so this saves two ordered-set
      // operations per event (docs/BENCHMARKS.md, "Stream processor throughput").
      return;
    }
    dueAt.remove(id);
    if (previous != null) {
      schedule.remove(new Due(previous, id));
    }
    if (at != Long.MAX_VALUE) {
      dueAt.put(id, at);
      schedule.add(new Due(at, id));
    }
  }

  /**
   * Starts rebuilding this task's state of the group from the events the input topics retain,
   * before anything is written to Redis: the state is emptied, and every retained event of the
   * task's entities that can still count (Kafka timestamp within the longest window, the future
   * skew and, for "last" facts, one stream TTL, plus a minute) is applied with its source offset
   * as the high-water mark, so that normal processing then skips every record at or below it. A
   * fact's event counts as processed at its Kafka timestamp (when it reached the broker), so a
   * rebuilt fact expires as it would have. Each entity of a repartitioned group is rebuilt by the
   * task of its repartition partition, from every partition of the input topics.
   *
   * <p>The events are read a slice at a time ({@link #REBUILD_SLICE_NANOS}), in {@code init} and
   * then in the punctuations, at most about half of the thread's time ({@link #pacedRebuild}), so
   * the thread keeps polling and stays in its group however long the rebuild takes (its other
   * tasks still slow down: each commit writes the state of every entity a slice touched; see
   * docs/DESIGN-NOTES.md). Records that arrive meanwhile are left to the rebuild, which reads on
   * past the last of them; their offsets may be committed, because a rebuild that does not finish
   * (a crash, a task moved to another instance) starts again from the retained events. The state
   * goes to the store at each commit, so memory stays bounded; the declarations' fingerprint is
   * recorded only once the finished state is durable.
   */
  private void startRebuild(long now, String why) {
    // First forget what the state was built with: once it is being emptied and refilled, it is
    // no state of any declarations until the rebuild is done. A rebuild that does not finish,
    // followed by a start with the old declarations, must rebuild again, not resume from it.
    meta.delete(FINGERPRINT);
    java.util.List<String> old = new java.util.ArrayList<>();
    try (KeyValueIterator<String, EntityState> all = store.all()) {
      all.forEachRemaining(e -> old.add(e.key));
    }
    old.forEach(store::delete);
    changed.clear();
    cached.clear();
    int taskPartition = context.taskId().partition();
    java.util.List<TopicPartition> sources = new java.util.ArrayList<>();
    int repartitions = group.byRecordKey() ? 0
        : retained.partitions(context.applicationId() + "-" + group.repartitionName() + "-repartition");
    for (String type : group.eventTypes) {
      String topic = Topics.of(type);
      if (group.byRecordKey()) {
        sources.add(new TopicPartition(topic, taskPartition));
      } else {
        for (int p = 0; p < retained.partitions(topic); p++) {
          sources.add(new TopicPartition(topic, p));
        }
      }
    }
    long skew = settings.maxFutureSkew().toMillis();
    long lookback = Math.max(group.longestWindowMs() + skew, group.lasts.isEmpty() ? 0 : streamTtlMs) + 60_000;
    rebuild = new Rebuild(retained.open(sources, now - lookback), now - lookback, repartitions, why);
    metrics.rebuilding(group.entity, 1);
    LOG.info("Task {}: rebuilding the {} features of its {}s from the events retained since {}, because {}", task,
        group.entity, group.entity, java.time.Instant.ofEpochMilli(now - lookback), why);
  }

  /** How long one slice of a rebuild may keep the stream thread from polling and processing. */
  static final long REBUILD_SLICE_NANOS = 250_000_000L;

  /**
   * Reads the rebuild's next slice unless another slice of this thread's rebuilds started less
   * than two slice lengths ago: after a slice the thread's other work (its other tasks, the
   * records it polls) gets about as long again, however many of its tasks rebuild.
   */
  private void pacedRebuild(long now) {
    if (now < sink.rebuildSliceAllowedAt) {
      return;
    }
    sink.rebuildSliceAllowedAt = now + 2 * REBUILD_SLICE_NANOS / 1_000_000;
    continueRebuild(now);
  }

  /** A rebuild in progress: its reading, what it applied, and the live records it took over. */
  private final class Rebuild {
    final RetainedEvents.Reading reading;
    final long since;
    final int repartitions;
    final String why;
    final long started = System.nanoTime();
    long applied;
    long deferred;
    final Map<String, TopicPartition> partitions = new HashMap<>();

    Rebuild(RetainedEvents.Reading reading, long since, int repartitions, String why) {
      this.reading = reading;
      this.since = since;
      this.repartitions = repartitions;
      this.why = why;
    }

    /**
     * A live record of {@code source}: true when the rebuild will read it from the input topic
     * instead. False for a partition the rebuild does not read (one added to a topic since it
     * started): such a record is processed as usual.
     */
    boolean defer(Source source) {
      TopicPartition tp = partitions.computeIfAbsent(source.partition(), Rebuild::topicPartition);
      if (tp == null || !reading.extendTo(tp, source.offset() + 1)) {
        return false;
      }
      deferred++;
      return true;
    }

    /** {@code topic:partition} as a TopicPartition; null when it is not one. */
    private static TopicPartition topicPartition(String name) {
      int colon = name.lastIndexOf(':');
      try {
        return colon <= 0 ? null : new TopicPartition(name.substring(0, colon), Integer.parseInt(name.substring(colon + 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** Reads one slice of the rebuild at {@code now}; once it has read everything, writes the rebuilt entities. */
  private void continueRebuild(long now) {
    long skew = settings.maxFutureSkew().toMillis();
    int taskPartition = context.taskId().partition();
    Rebuild r = rebuild;
    boolean done = r.reading.readSome(REBUILD_SLICE_NANOS, record -> {
      Event event = parse(record);
      if (event == null || event.ts() > now + skew) {
        return; // normal processing sent it to the DLQ
      }
      String id = group.byRecordKey() ? event.userId() : group.idOf(event);
      if (id == null || !entity.isValidEntityId(id)
          || (!group.byRecordKey() && partitionOf(id, r.repartitions) != taskPartition)) {
        return;
      }
      EntityState state = stateOf(id);
      String source = record.topic() + ":" + record.partition();
      if (record.offset() <= state.highWater(source)) {
        return;
      }
      state.setHighWater(source, record.offset());
      apply(state, event, now, Math.min(record.timestamp(), now));
      changed.put(id, state);
      r.applied++;
    });
    if (!done) {
      return;
    }
    r.reading.close();
    rebuild = null;
    metrics.rebuilding(group.entity, -1);
    LOG.info("Task {}: rebuilt the {} features of its {}s from {} retained events ({} read, since {}; {} records that"
        + " arrived meanwhile read with them) in {} ms, because {}", task, group.entity, group.entity, r.applied,
        r.reading.read(), java.time.Instant.ofEpochMilli(r.since), r.deferred, (System.nanoTime() - r.started) / 1_000_000,
        r.why);
    // Recorded only once a commit has made the rebuilt state durable (the pre-commit after the
    // one that writes it): a crash before then rebuilds again rather than resume from a state
    // whose rebuilt part the changelog may not hold.
    fingerprintAfterCommits = 2;
    serverResets = sink.serverResets();
    rewriteLiveEntities(now, "after the rebuild");
  }

  /** The event of a retained record, or null when normal processing dead-letters it. */
  private Event parse(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
    try {
      Event event = record.topic().equals(Topics.LOGIN) ? json.parseLogin(record.value())
          : json.parseTransaction(record.value());
      String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      return event.userId().equals(key) ? event : null;
    } catch (io.featurestore.events.InvalidEventException e) {
      return null;
    }
  }

  /** The repartition topic's partition of an entity id: what the producer's default partitioner picks for that key. */
  static int partitionOf(String id, int partitions) {
    return org.apache.kafka.common.utils.Utils.toPositive(
        org.apache.kafka.common.utils.Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Entities one slice of a rewrite evaluates at most: the sink holds their writes until the flush after it. */
  static final int REWRITE_SLICE = 10_000;
  private static final long REWRITE_SLICE_NANOS = 1_000_000_000L;

  /** A rewrite of every live entity in progress: its place in the store, and what it has done. */
  private static final class Rewrite {
    final String why;
    /** Entities changed but perhaps not yet in the store when it started: rewritten first. */
    final java.util.ArrayDeque<String> unstored;
    /** The last store key done; null before the first. */
    String after;
    int live;
    int dead;

    Rewrite(String why, java.util.Collection<String> unstored) {
      this.why = why;
      this.unstored = new java.util.ArrayDeque<>(unstored);
    }
  }

  /**
   * Writes every live entity again (on start, after a rebuild, and after Redis lost its data
   * set) and marks entities with nothing live left for removal from the store. The store is
   * walked in key order a slice at a time ({@link #REWRITE_SLICE} entities or about a second),
   * the first now and the next ones in the punctuations, each followed by a flush: a task with
   * millions of entities neither holds all their writes in memory nor keeps its thread from
   * polling. Meanwhile events are processed as usual; an entity they change is written then, and
   * again, with the same values, when the walk reaches it.
   */
  private void rewriteLiveEntities(long now, String why) {
    rewrite = new Rewrite(why, changed.keySet());
    continueRewrite(now);
  }

  private void continueRewrite(long now) {
    Rewrite r = rewrite;
    long started = System.nanoTime();
    int done = 0;
    while (!r.unstored.isEmpty() && done < REWRITE_SLICE) {
      rewriteOne(r.unstored.poll(), now, r);
      done++;
    }
    boolean finished = false;
    if (r.unstored.isEmpty()) {
      // Evaluating an entity changes only the in-memory maps, never the store under the iterator.
      try (KeyValueIterator<String, EntityState> it = r.after == null ? store.all() : store.range(r.after, null)) {
        while (done < REWRITE_SLICE && System.nanoTime() - started < REWRITE_SLICE_NANOS) {
          if (!it.hasNext()) {
            finished = true;
            break;
          }
          KeyValue<String, EntityState> entry = it.next();
          if (entry.key.equals(r.after)) {
            continue; // range() starts at the last key done
          }
          r.after = entry.key;
          cached.putIfAbsent(entry.key, entry.value);
          rewriteOne(entry.key, now, r);
          done++;
        }
      }
    }
    if (!finished) {
      return;
    }
    rewrite = null;
    if (r.live + r.dead > 0) {
      LOG.info("Task {}: rewrote the streaming features of {} live {}s {}; removing {} with nothing live left",
          task, r.live, group.entity, r.why, r.dead);
    }
  }

  private void rewriteOne(String id, long now, Rewrite r) {
    EntityState state = stateOf(id);
    if (state.isDead(now, streamTtlMs)) {
      changed.put(id, state); // removed from the store at the next commit
      r.dead++;
    } else {
      evaluate(id, state, now, -1, false, true);
      r.live++;
    }
  }

  private void punctuate(long now) {
    if (rebuild != null) {
      pacedRebuild(now);
    } else if (rewrite != null) {
      continueRewrite(now);
    }
    while (!schedule.isEmpty() && schedule.first().at() <= now) {
      Due due = schedule.pollFirst();
      dueAt.remove(due.entityId());
      EntityState state = stateOf(due.entityId());
      if (state.isDead(now, streamTtlMs)) {
        changed.put(due.entityId(), state); // removed from the store at the next commit
      } else {
        evaluate(due.entityId(), state, now, -1, false, false);
      }
    }
    flushAndCommit(now);
  }

  private void flushAndCommit(long now) {
    boolean wrote = sink.flush() > 0;
    long resets = sink.serverResets();
    if (resets != serverResets && rebuild == null) { // a rebuild writes everything once it is done
      // Redis lost its data set (restarted without persistence, flushed): write everything live
      // again now rather than wait for each entity's next change or lease renewal.
      serverResets = resets;
      rewriteLiveEntities(now, "after Redis lost its data set");
      wrote = sink.flush() > 0 || wrote;
    }
    // Kafka Streams commits right after punctuation, with no record processed in between,
    // and automatic commits are off (see StreamProcessorConfig): offsets never run ahead of Redis.
    if (wrote || !changed.isEmpty() || now - lastCommitRequest >= settings.commitInterval().toMillis()) {
      context.commit();
      lastCommitRequest = now;
    }
  }

  /** The pre-commit hook: every changed entity goes to the store (and its changelog) before offsets are committed. */
  private void writeChangedEntities() {
    if (fingerprintAfterCommits > 0 && --fingerprintAfterCommits == 0) {
      meta.put(FINGERPRINT, group.fingerprint()); // the previous commit made the rebuilt state durable
    }
    if (changed.isEmpty()) {
      return;
    }
    long now = context.currentSystemTimeMs();
    for (Map.Entry<String, EntityState> e : changed.entrySet()) {
      EntityState state = e.getValue();
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
    // failed, revoked) drops them, and whoever runs it next rewrites its live entities from the
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
        LOG.info("Task {} closed: {} pending Redis writes dropped; its next owner rewrites its live entities from the "
            + "state store", task, dropped);
      }
    }
    if (rebuild != null) {
      rebuild.reading.close(); // whoever runs the task next starts the rebuild again
      rebuild = null;
      metrics.rebuilding(group.entity, -1);
    }
    rewrite = null; // and rewrites its live entities
    changed.clear();
    cached.clear();
  }
}
