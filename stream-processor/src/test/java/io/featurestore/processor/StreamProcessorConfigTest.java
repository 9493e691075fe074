package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamProcessorConfigTest {

  @Test
  void shouldDefaultToALocalSetup() {
    StreamProcessorConfig c = StreamProcessorConfig.fromEnv(Map.of());
    assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.store().redisUrl()).isEqualTo("redis://localhost:6379");
    assertThat(c.exactlyOnce()).isFalse();
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.metricsPort()).isEqualTo(9464);
    assertThat(c.topologySettings().registry().streamTtlSeconds()).isEqualTo(300);
  }

  @Test
  void shouldReadEveryVariableItDeclares() {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", "k:1");
    env.put("FS_PROCESSOR_APPLICATION_ID", "app");
    env.put("FS_PROCESSOR_STATE_DIR", "/state");
    env.put("FS_PROCESSING_GUARANTEE", "exactly_once_v2");
    env.put("FS_PROCESSOR_THREADS", "2");
    env.put("FS_SINK_FLUSH_MS", "50");
    env.put("FS_COMMIT_INTERVAL_MS", "700");
    env.put("FS_SINK_RETRY_SECONDS", "9");
    env.put("FS_PROCESSOR_METRICS_PORT", "0");
    env.put("FS_HEARTBEAT_TTL_SECONDS", "7");
    env.put("FS_MAX_FUTURE_SKEW_SECONDS", "13");
    env.put("FS_PROCESSOR_STALL_SECONDS", "14");
    env.put("REDIS_URL", "redis://r:2");
    env.put("FS_KEY_PREFIX", "p:");
    env.put("FS_STREAM_TTL_SECONDS", "11");
    env.put("FS_BATCH_TTL_SECONDS", "12");
    assertThat(StreamProcessorConfig.ENVIRONMENT).containsAll(env.keySet()).contains("FS_REGISTRY_FILE");

    StreamProcessorConfig c = StreamProcessorConfig.fromEnv(env);
    assertThat(c).isEqualTo(new StreamProcessorConfig("k:1", "app", Path.of("/state"), true, 2, Duration.ofMillis(50),
        Duration.ofMillis(700), Duration.ofSeconds(9), 0, Duration.ofSeconds(7), Duration.ofSeconds(13),
        Duration.ofSeconds(14), c.store()));
    assertThat(c.store().redisUrl()).isEqualTo("redis://r:2");
    assertThat(c.topologySettings().registry().keyPrefix()).isEqualTo("p:");
    assertThat(c.topologySettings().registry().streamTtlSeconds()).isEqualTo(11);

    Properties p = c.streamsProperties();
    assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("app");
    assertThat((Long) p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isLessThan((Integer) p.get(StreamsConfig.producerPrefix("transaction.timeout.ms")));
  }

  @Test
  void shouldRejectBadValuesNamingTheVariable() {
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_PROCESSING_GUARANTEE", "exactly_once")))
        .hasMessageContaining("FS_PROCESSING_GUARANTEE must be at_least_once or exactly_once_v2");
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_SINK_FLUSH_MS", "0")))
        .hasMessageContaining("FS_SINK_FLUSH_MS must be > 0");
    assertThatThrownBy(() -> StreamProcessorConfig.fromEnv(Map.of("FS_PROCESSOR_THREADS", "two")))
        .hasMessageContaining("FS_PROCESSOR_THREADS must be a whole number");
  }
}
