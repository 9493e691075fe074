package io.featurestore.processor;

import io.featurestore.events.EventJson;
import io.featurestore.events.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
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
    StreamingFeatures.requireDeclaredIn(settings.registry());
    EventJson json = new EventJson(settings.registry());
    SinkBuffers sinks = new SinkBuffers(writer, metrics, settings.sinkRetryBudget());
    Topology topology = new Topology();
    EventTimeExtractor eventTime = new EventTimeExtractor();
    topology.addSource(AutoOffsetReset.earliest(), LOGIN_SOURCE, eventTime,
        new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.LOGIN);
    topology.addSource(AutoOffsetReset.earliest(), TX_SOURCE, eventTime,
        new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.TRANSACTION);
    topology.addProcessor(LOGIN_PARSER, () -> new ParseProcessor("login", EventJson::parseLogin, json, metrics), LOGIN_SOURCE);
    topology.addProcessor(TX_PARSER, () -> new ParseProcessor("transaction", EventJson::parseTransaction, json, metrics), TX_SOURCE);
    topology.addProcessor(USER_FEATURES, () -> new UserFeaturesProcessor(settings, sinks, metrics), LOGIN_PARSER, TX_PARSER);
    // No record cache in front of the store: the processor commits after every flush (100 ms),
    // so a cache would merge few writes per user, and its ordered map costs more than it saves
    // (docs/BENCHMARKS.md, "Stream processor throughput"). Each put goes to RocksDB and the changelog.
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USER_STATE_STORE),
        Serdes.String(), UserState.serde()).withCachingDisabled(), USER_FEATURES);
    topology.addSink(DLQ_SINK, Topics.DLQ, new ByteArraySerializer(), new ByteArraySerializer(), LOGIN_PARSER, TX_PARSER);
    return topology;
  }
}
