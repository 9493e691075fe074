package io.featurestore.processor;

import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and runs a callback each time Kafka Streams is about to
 * commit the task (and before a task is closed): the moment at which it flushes its own record
 * caches, before the changelog is flushed and offsets are committed. The processor keeps each
 * user's state as live objects and writes the changed ones to its key-value store here, once
 * per commit instead of once per event, and no commit can ever cover an event whose effect on
 * the state is not in the changelog.
 *
 * <p>Kafka Streams' public API has no pre-commit callback (a store's {@code flush} and
 * {@code commit} run after the offsets are committed); the cache hook it calls on its own
 * caching stores is the only point before. It is an internal interface, so the topology test
 * checks that the callback runs before every commit of the pinned Kafka Streams version.
 */
final class PreCommitHook implements StateStore, CachedStateStore<Object, Object> {
  static final String NAME = "pre-commit-hook";

  private final String name;
  private Runnable callback = () -> { };
  private boolean open;

  /** Runs {@code callback} on the stream thread before each commit of this task. */
  void onPreCommit(Runnable callback) {
    this.callback = callback;
  }

  @Override
  public void flushCache() {
    callback.run();
  }

  @Override
  public void clearCache() {
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
    return false;
  }

  private PreCommitHook(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> { });
    open = true;
  }

  @Override
  public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
  }

  @Override
  public void close() {
    callback = () -> { };
    open = false;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** A hook store of this name: each processor that uses one has its own. */
  static StoreBuilder<PreCommitHook> builder(String name) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<PreCommitHook> withCachingEnabled() {
        return this;
      }

      @Override
      public StoreBuilder<PreCommitHook> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<PreCommitHook> withLoggingEnabled(Map<String, String> config) {
        return this;
      }

      @Override
      public StoreBuilder<PreCommitHook> withLoggingDisabled() {
        return this;
      }

      @Override
      public PreCommitHook build() {
        return new PreCommitHook(name);
      }

      @Override
      public Map<String, String> logConfig() {
        return Map.of();
      }

      @Override
      public boolean loggingEnabled() {
        return false;
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
