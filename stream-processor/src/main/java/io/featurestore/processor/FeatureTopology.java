package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.Stores;

/**
 * The stream processor's topology, built from the registry's streaming declarations.
 *
 * <pre>
 * events.login        ─► login-parser ─┐
 *                                      ├─► user-features (store: user-state) ─────────────────► Redis
 * events.transaction  ─► tx-parser ────┤
 *                                      └─► merchant-rekey ─► {app}-merchant-by-merchant_id-repartition
 *                                            ─► merchant-features (store: merchant-state) ────► Redis
 *          (both parsers) ─► events.dlq  (malformed, invalid or wrongly keyed records)
 * </pre>
 *
 * One features processor per entity ({@link DeclaredFeatures.Group}). The user entity's events
 * arrive keyed by its id; any other entity's go through a Kafka Streams repartition topic keyed
 * by the event field that holds its id ({@code partitions} of them, or as many as the input
 * topics have), so each entity's state lives in exactly one task.
 *
 * <p>Record timestamps are the input records' Kafka timestamps (accepted by the broker), so
 * every record this topology writes (DLQ, repartition, changelog) is stamped with a time the
 * broker accepts; event time lives in the event and is read by the features processors.
 */
public final class FeatureTopology {
  static final String LOGIN_SOURCE = "login-source";
  static final String TX_SOURCE = "transaction-source";
  static final String LOGIN_PARSER = "login-parser";
  static final String TX_PARSER = "transaction-parser";
  static final String DLQ_SINK = "dlq-sink";
  /** The user entity's state store (the name the first processor gave it, so its state carries over). */
  public static final String USER_STATE_STORE = "user-state";

  private FeatureTopology() {}

  public static Topology buildTopology(TopologySettings settings, FeatureWriter writer, ProcessorMetrics metrics) {
    return buildTopology(settings, new SinkBuffers(writer, metrics, settings.sinkRetryBudget()), metrics);
  }

  public static Topology buildTopology(TopologySettings settings, SinkBuffers sinks, ProcessorMetrics metrics) {
    return buildTopology(settings, sinks, metrics, null);
  }

  /**
   * @param retained where a task rereads the retained events to rebuild its state when the
   *     declarations changed (null: never rebuild, a changed state keeps what still applies)
   */
  static Topology buildTopology(TopologySettings settings, SinkBuffers sinks, ProcessorMetrics metrics,
      RetainedEvents retained) {
    DeclaredFeatures declared = DeclaredFeatures.of(settings.registry());
    EventJson json = new EventJson(settings.registry());
    long skew = settings.maxFutureSkew().toMillis();
    StreamsBuilder builder = new StreamsBuilder();
    UsePartitionTimeOnInvalidTimestamp kafkaTime = new UsePartitionTimeOnInvalidTimestamp();
    KStream<Object, Object> logins = builder
        .stream(Topics.LOGIN, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withTimestampExtractor(kafkaTime)
            .withOffsetResetPolicy(AutoOffsetReset.earliest()).withName(LOGIN_SOURCE))
        .process(() -> new ParseProcessor("login", EventJson::parseLogin, json, metrics, skew), Named.as(LOGIN_PARSER));
    KStream<Object, Object> transactions = builder
        .stream(Topics.TRANSACTION, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
            .withTimestampExtractor(kafkaTime).withOffsetResetPolicy(AutoOffsetReset.earliest()).withName(TX_SOURCE))
        .process(() -> new ParseProcessor("transaction", EventJson::parseTransaction, json, metrics, skew),
            Named.as(TX_PARSER));
    Map<String, KStream<Object, Object>> parsed = logins.merge(transactions, Named.as("parsed"))
        .split(Named.as("parsed-"))
        .branch((key, value) -> value instanceof Event, Branched.as("events"))
        .defaultBranch(Branched.as("dead-letters"));
    deadLetters(parsed.get("parsed-dead-letters")).to(Topics.DLQ,
        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(DLQ_SINK));
    KStream<String, Event> events = events(parsed.get("parsed-events"));

    for (DeclaredFeatures.Group group : declared.groups()) {
      // No record cache in front of the store: the processor keeps changed entities as live
      // objects and writes each once per commit, from the pre-commit hook (PreCommitHook), so
      // the store sees one put per changed entity per commit instead of one per event.
      String storeName = group.storeName();
      builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName),
          Serdes.String(), EntityState.serde(group)).withCachingDisabled());
      builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
          DeclaredFeatures.metaStoreName(storeName)), Serdes.String(), Serdes.String()).withCachingDisabled());
      builder.addStateStore(PreCommitHook.builder(group.preCommitHookName()));
      KStream<String, Event> keyed = events;
      if (!group.byRecordKey()) {
        Repartitioned<String, Event> repartitioned = Repartitioned
            .<String, Event>as(group.repartitionName())
            .withKeySerde(Serdes.String())
            .withValueSerde(RepartitionSerde.serde());
        if (settings.repartitionPartitions() > 0) {
          repartitioned = repartitioned.withNumberOfPartitions(settings.repartitionPartitions());
        }
        keyed = events.process(() -> new Rekey(group, settings.registry(), metrics), Named.as(group.entity + "-rekey"))
            .repartition(repartitioned);
      }
      keyed.process(() -> new EntityFeaturesProcessor(group, settings, sinks, metrics, retained),
          Named.as(group.processorName()), storeName, DeclaredFeatures.metaStoreName(storeName),
          group.preCommitHookName());
    }
    return builder.build();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static KStream<byte[], byte[]> deadLetters(KStream<Object, Object> stream) {
    return (KStream) stream; // the parsers forward dead letters with their raw key and value
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static KStream<String, Event> events(KStream<Object, Object> stream) {
    return (KStream) stream; // the parsers forward events keyed by user_id
  }
}
