package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.TransactionEvent;
import io.featurestore.events.Topics;
import io.featurestore.infra.junit.Await;
import io.featurestore.infra.junit.KafkaEndpoint;
import io.featurestore.infra.junit.KafkaExtension;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A feature added to the registry is exact from the moment the processor restarts with it,
 * rebuilt from the events the topics retain (real broker, 3 partitions, real Redis): a user
 * feature and a merchant feature whose merchant's events come from users on every partition,
 * while the features that were already computed keep their values (the retained events are
 * not counted twice).
 */
@ExtendWith({KafkaExtension.class, RedisExtension.class})
class RebuildIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private ProcessorTestBed bed;

  @TempDir
  Path stateDir;
  @TempDir
  Path registryDir;

  @BeforeEach
  void setUp(KafkaEndpoint kafka, RedisEndpoint redis, TestInfo test) {
    bed = new ProcessorTestBed(kafka, redis, test, stateDir, 3);
  }

  @AfterEach
  void tearDown() throws Exception {
    bed.close();
  }

  @Test
  void shouldComputeAFeatureAddedToTheRegistryFromTheRetainedEventsAtOnce() throws IOException {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String merchant = "m-" + run;
    String merchantKey = FeatureRegistry.bundled().forEntity("merchant").keyOf(merchant);
    String[] users = new String[12];
    long now = System.currentTimeMillis();
    StreamProcessorApp first = bed.start(bed.env(60));
    double total = 0;
    for (int i = 0; i < users.length; i++) {
      users[i] = "rb-" + run + "-" + i; // spread over the three partitions
      BigDecimal amount = new BigDecimal(10 + i + ".25");
      total += amount.doubleValue();
      bed.send(Topics.TRANSACTION, users[i], bed.json.write(new TransactionEvent(users[i], now - (i + 1) * 60_000L,
          amount, "USD", "US", merchant)));
    }
    Await.until("the merchant's count", DEADLINE, () -> "12".equals(bed.raw.hget(merchantKey, "merchant_tx_count_1h")));
    bed.stop(first);

    Map<String, String> env = bed.env(60);
    env.put("FS_REGISTRY_FILE", registryWithTwoNewFeatures().toString());
    bed.start(env);
    double expectedSum = total;
    Await.until("the new merchant feature, rebuilt", DEADLINE,
        () -> bed.raw.hget(merchantKey, "merchant_amount_sum_2h") != null);
    assertThat(Double.parseDouble(bed.raw.hget(merchantKey, "merchant_amount_sum_2h"))).isEqualTo(expectedSum,
        org.assertj.core.data.Offset.offset(1e-9));
    for (int i = 0; i < users.length; i++) {
      String key = bed.key(users[i]);
      Await.until("the new user feature of " + users[i], DEADLINE, () -> bed.raw.hget(key, "tx_amount_mean_2h") != null);
      assertThat(Double.parseDouble(bed.raw.hget(key, "tx_amount_mean_2h"))).isEqualTo(10 + i + 0.25);
      assertThat(bed.raw.hget(key, "tx_amount_sum_1h")).as("not counted twice").isEqualTo(Double.toString(10 + i + 0.25));
    }
    assertThat(bed.raw.hget(merchantKey, "merchant_tx_count_1h")).as("not counted twice").isEqualTo("12");
    bed.raw.del(merchantKey);
  }

  private Path registryWithTwoNewFeatures() throws IOException {
    String bundled;
    try (InputStream in = FeatureRegistry.class.getResourceAsStream(FeatureRegistry.BUNDLED_RESOURCE)) {
      bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String added = String.join("\n",
        "  - {name: tx_amount_mean_2h, type: double, source: stream, from: transaction, aggregate: mean, field: amount,"
            + " window: 2h}",
        "  - {name: merchant_amount_sum_2h, entity: merchant, type: double, source: stream, from: transaction,"
            + " key: merchant_id, aggregate: sum, field: amount, window: 2h}",
        "",
        "services:");
    Path file = registryDir.resolve("added.yaml");
    Files.writeString(file, bundled.replace("\nservices:", "\n" + added));
    return file;
  }
}
