package io.featurestore.processor;

import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.Stores;

/**
 * The stream processor's topology.
 *
 * <pre>
 * events.login        ─► login-parser ─┐
 *                                      ├─► user-features (store: user-state) ─► Redis (HSET + HEXPIRE)
 * events.transaction  ─► tx-parser ────┘
 *          (both parsers) ─► events.dlq  (malformed, invalid or wrongly keyed records)
 * </pre>
 *
 * Input: {@link Topics#LOGIN}, {@link Topics#TRANSACTION} (JSON, keyed by user_id).
 * Output: {@link Topics#DLQ}, and the Redis feature store through a {@link FeatureWriter}.
 *
 * <p>Record timestamps are the input records' Kafka timestamps (accepted by the broker), so
 * every record this topology writes (DLQ, changelog) is stamped with a time the broker
 * accepts; event time lives in the event and is read by the features processor.
 */
public final class FeatureTopology {
  static final String LOGIN_SOURCE = "login-source";
  static final String TX_SOURCE = "transaction-source";
  static final String LOGIN_PARSER = "login-parser";
  static final String TX_PARSER = "transaction-parser";
  static final String USER_FEATURES = "user-features";
  static final String DLQ_SINK = "dlq-sink";
  public static final String USER_STATE_STORE = "user-state";

  private FeatureTopology() {}

  public static Topology buildTopology(TopologySettings settings, FeatureWriter writer, ProcessorMetrics metrics) {
    return buildTopology(settings, new SinkBuffers(writer, metrics, settings.sinkRetryBudget()), metrics);
  }

  public static Topology buildTopology(TopologySettings settings, SinkBuffers sinks, ProcessorMetrics metrics) {
    StreamingFeatures.requireDeclaredIn(settings.registry());
    EventJson json = new EventJson(settings.registry());
    long skew = settings.maxFutureSkew().toMillis();
    Topology topology = new Topology();
    UsePartitionTimeOnInvalidTimestamp kafkaTime = new UsePartitionTimeOnInvalidTimestamp();
    topology.addSource(AutoOffsetReset.earliest(), LOGIN_SOURCE, kafkaTime,
        new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.LOGIN);
    topology.addSource(AutoOffsetReset.earliest(), TX_SOURCE, kafkaTime,
        new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.TRANSACTION);
    topology.addProcessor(LOGIN_PARSER, () -> new ParseProcessor("login", EventJson::parseLogin, json, metrics, skew),
        LOGIN_SOURCE);
    topology.addProcessor(TX_PARSER,
        () -> new ParseProcessor("transaction", EventJson::parseTransaction, json, metrics, skew), TX_SOURCE);
    topology.addProcessor(USER_FEATURES, () -> new UserFeaturesProcessor(settings, sinks, metrics), LOGIN_PARSER, TX_PARSER);
    // No record cache in front of the store: the processor keeps changed users as live objects
    // and writes each once per commit, from the pre-commit hook (PreCommitHook), so the store
    // sees one put per changed user per commit instead of one per event.
    topology.addStateStore(PreCommitHook.builder(), USER_FEATURES);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USER_STATE_STORE),
        Serdes.String(), UserState.serde()).withCachingDisabled(), USER_FEATURES);
    topology.addSink(DLQ_SINK, Topics.DLQ, new ByteArraySerializer(), new ByteArraySerializer(), LOGIN_PARSER, TX_PARSER);
    return topology;
  }
}
