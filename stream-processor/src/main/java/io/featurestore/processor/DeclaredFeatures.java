package io.featurestore.processor;

import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import io.featurestore.core.FeatureType;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.StreamAggregation;
import io.featurestore.core.StreamAggregation.Aggregate;
import io.featurestore.events.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What the processor computes, compiled from the registry's streaming declarations: one
 * {@link Group} per entity, holding the sliding windows and the "latest event" facts its
 * features read. Features that read the same events the same way share one window (a sum and a
 * mean of one field over one window) or one fact (three fields of the latest successful login).
 *
 * <p>The user entity's events arrive keyed by its id (the topics are keyed by {@code user_id});
 * any other entity is reached through a repartition topic keyed by the event field that holds
 * its id, so each entity's state lives in exactly one task.
 */
final class DeclaredFeatures {
  /** The event field every input topic is keyed by. */
  static final String RECORD_KEY_FIELD = "user_id";
  /** The entity whose id {@link #RECORD_KEY_FIELD} holds. */
  static final String RECORD_KEY_ENTITY = "user";

  private final List<Group> groups;

  private DeclaredFeatures(List<Group> groups) {
    this.groups = List.copyOf(groups);
  }

  /**
   * Compiles every streaming declaration of the registry.
   *
   * @throws InvalidInputException when the processor cannot compute what the registry declares
   *     (one entity's features reading its id from two event fields, windows whose state could
   *     outgrow a changelog record)
   */
  static DeclaredFeatures of(FeatureRegistry registry) {
    Map<String, List<FeatureDefinition>> byEntity = new LinkedHashMap<>();
    for (FeatureDefinition f : registry.declaredFeatures()) {
      if (f.source() == FeatureSource.STREAM && f.aggregation().isPresent()) {
        byEntity.computeIfAbsent(f.entity(), e -> new ArrayList<>()).add(f);
      }
    }
    if (byEntity.isEmpty()) {
      throw new InvalidInputException("the feature registry " + registry.source()
          + " declares no streaming feature: the stream processor has nothing to compute");
    }
    List<Group> groups = new ArrayList<>();
    try {
      byEntity.forEach((entity, features) -> groups.add(new Group(entity, features)));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the feature registry " + registry.source() + ": " + e.getMessage());
    }
    return new DeclaredFeatures(groups);
  }

  List<Group> groups() {
    return groups;
  }

  /** For the ready line: {@code 9 streaming features: user (8, by user_id), merchant (1, repartitioned by merchant_id)}. */
  String describe() {
    StringJoiner text = new StringJoiner(", ", featureCount() + " streaming features: ", "");
    for (Group g : groups) {
      text.add(g.entity + " (" + g.features.size() + (g.byRecordKey() ? ", by " : ", repartitioned by ") + g.keyField + ")");
    }
    return text.toString();
  }

  /** How many streaming features are computed, over all entities. */
  int featureCount() {
    return groups.stream().mapToInt(g -> g.features.size()).sum();
  }

  /** Events that match a declaration's {@code from} and {@code where}. */
  record Selector(String from, Map<String, String> where) {
    boolean matches(Event event) {
      if (!event.type().equals(from)) {
        return false;
      }
      for (Map.Entry<String, String> filter : where.entrySet()) {
        if (!filter.getValue().equals(event.fieldText(filter.getKey()))) {
          return false;
        }
      }
      return true;
    }

    String describe() {
      StringJoiner text = new StringJoiner(",", from + "[", "]");
      new java.util.TreeMap<>(where).forEach((k, v) -> text.add(k + "=" + v));
      return text.toString();
    }
  }

  /**
   * A sliding window of the selected events (and of one numeric field's values, when a
   * feature reads one). Its descriptor names it in the state, so a state written under
   * other declarations is matched window by window.
   */
  record WindowSlot(Selector selector, String field, long widthMs) {
    boolean withValues() {
      return field != null;
    }

    String descriptor() {
      return "window:" + selector.describe() + ":" + (field == null ? "" : field) + ":" + widthMs + ":"
          + SlidingWindow.resolutionFor(widthMs);
    }

    SlidingWindow newWindow() {
      return new SlidingWindow(widthMs, withValues());
    }
  }

  /** The latest selected event by event time, and the fields its features read from it. */
  record LastSlot(Selector selector, List<String> fields) {
    String descriptor() {
      return "last:" + selector.describe() + ":" + String.join(",", fields);
    }
  }

  /** One declared feature: what it reads ({@code slot}, an index into the group's windows or facts). */
  record Feature(String name, FeatureType type, Aggregate aggregate, int slot, String field) {
    boolean windowed() {
      return aggregate.windowed();
    }
  }

  /** The most bytes an entity's state may take at worst: under the producer's 1 MiB record limit, with room for its facts. */
  static final long MAX_STATE_BYTES = 900_000;

  /** Every streaming feature of one entity. */
  static final class Group {
    final String entity;
    /** The event field holding this entity's id. */
    final String keyField;
    final List<WindowSlot> windows = new ArrayList<>();
    final List<LastSlot> lasts = new ArrayList<>();
    final List<Feature> features = new ArrayList<>();
    /** Window features, in the order of {@code EntityState.written}. */
    final List<Feature> windowFeatures = new ArrayList<>();
    /** Which event types any declaration reads; the others never reach this group's state. */
    final java.util.Set<String> eventTypes = new java.util.LinkedHashSet<>();

    Group(String entity, List<FeatureDefinition> declared) {
      this.entity = entity;
      this.keyField = declared.get(0).aggregation().orElseThrow().key();
      Map<String, Integer> windowIndex = new HashMap<>();
      Map<Selector, List<String>> lastFields = new LinkedHashMap<>();
      for (FeatureDefinition f : declared) {
        StreamAggregation a = f.aggregation().orElseThrow();
        if (!a.key().equals(keyField)) {
          throw new IllegalArgumentException("entity '" + entity + "': feature '" + f.name() + "' reads its id from '"
              + a.key() + "' but '" + declared.get(0).name() + "' from '" + keyField
              + "': every streaming feature of one entity must read its id from the same event field");
        }
        eventTypes.add(a.from());
        Selector selector = new Selector(a.from(), a.where());
        if (a.aggregate() == Aggregate.LAST) {
          List<String> fields = lastFields.computeIfAbsent(selector, s -> new ArrayList<>());
          if (!fields.contains(a.field().orElseThrow())) {
            fields.add(a.field().orElseThrow());
          }
          continue;
        }
        String field = a.aggregate() == Aggregate.COUNT ? null : a.field().orElseThrow();
        WindowSlot slot = new WindowSlot(selector, field, a.window().orElseThrow().toMillis());
        int index = windowIndex.computeIfAbsent(slot.descriptor(), d -> {
          windows.add(slot);
          return windows.size() - 1;
        });
        Feature feature = new Feature(f.name(), f.type(), a.aggregate(), index, field);
        features.add(feature);
        windowFeatures.add(feature);
      }
      requireBoundedState();
      List<Selector> lastSelectors = new ArrayList<>(lastFields.keySet());
      lastFields.forEach((selector, fields) -> lasts.add(new LastSlot(selector, List.copyOf(fields))));
      for (FeatureDefinition f : declared) {
        StreamAggregation a = f.aggregation().orElseThrow();
        if (a.aggregate() == Aggregate.LAST) {
          features.add(new Feature(f.name(), f.type(), Aggregate.LAST,
              lastSelectors.indexOf(new Selector(a.from(), a.where())), a.field().orElseThrow()));
        }
      }
    }

    /**
     * An entity's state is one changelog record, which the producer sends only under 1 MiB: its
     * windows, full, must fit in {@link #MAX_STATE_BYTES} however busy the entity is. A window
     * must also cut into buckets of at most a hundredth of its length.
     */
    private void requireBoundedState() {
      long worst = 0;
      for (WindowSlot w : windows) {
        long resolution = SlidingWindow.resolutionFor(w.widthMs());
        if (resolution * 100 > w.widthMs()) {
          throw new IllegalArgumentException("entity '" + entity + "': a window of "
              + StreamAggregation.windowText(java.time.Duration.ofMillis(w.widthMs()))
              + " cannot be cut into equal buckets of whole seconds finer than a hundredth of it; use a rounder length");
        }
        worst += w.widthMs() / resolution * (w.withValues() ? 32 : 8);
      }
      if (worst > MAX_STATE_BYTES) {
        throw new IllegalArgumentException("entity '" + entity + "': its " + windows.size() + " windows can hold up to "
            + worst / 1000 + " KB of state for one busy " + entity + ", more than a changelog record takes ("
            + MAX_STATE_BYTES / 1000 + " KB); declare fewer distinct windows (features of the same event type, filter, field"
            + " and window share one; a count needs about a quarter of a sum, mean, min or max) or shorter ones");
      }
    }

    /** Events arrive keyed by this entity's id without a repartition. */
    boolean byRecordKey() {
      return keyField.equals(RECORD_KEY_FIELD);
    }

    String processorName() {
      return entity + "-features";
    }

    /** {@code user-state} for the user: the name the first processor gave its store, so its state carries over. */
    String storeName() {
      return entity + "-state";
    }

    String preCommitHookName() {
      return PreCommitHook.NAME + "-" + entity;
    }

    /** The repartition topic's name part: {@code <application id>-<this>-repartition}. */
    String repartitionName() {
      return entity + "-by-" + keyField;
    }

    /** The longest window of this group, in ms (0 when it has none). */
    long longestWindowMs() {
      return windows.stream().mapToLong(WindowSlot::widthMs).max().orElse(0);
    }

    /** Names everything this group's state depends on: a state written under another fingerprint is rebuilt. */
    String fingerprint() {
      StringJoiner all = new StringJoiner(";");
      windows.forEach(w -> all.add(w.descriptor()));
      lasts.forEach(l -> all.add(l.descriptor()));
      return all.toString();
    }

    /** The entity id an event is about for this group, or null when it has none. */
    String idOf(Event event) {
      Object id = event.field(keyField);
      return id == null ? null : id.toString();
    }

    @Override
    public String toString() {
      return entity + " (" + features.size() + " features by " + keyField + ")";
    }
  }

  /** The store that records which declarations a state store's content was built with. */
  static String metaStoreName(String stateStoreName) {
    return stateStoreName + "-meta";
  }
}
