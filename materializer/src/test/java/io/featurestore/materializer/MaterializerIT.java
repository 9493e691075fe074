package io.featurestore.materializer;

import static io.featurestore.materializer.MaterializerCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/** The materializer CLI end to end against a real Redis. */
@ExtendWith(RedisExtension.class)
class MaterializerIT {
  private static final String PREFIX = "it:mat:";

  private RedisEndpoint redis;
  private RedisClient raw;

  @TempDir
  Path dir;

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    redis = endpoint;
    raw = RedisClient.create(endpoint.url());
  }

  @AfterEach
  void cleanUp() {
    run("reset", "--yes", "--redis-url", redis.url(), "--key-prefix", PREFIX);
    raw.close();
  }

  private String[] cli(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--redis-url";
    all[args.length + 1] = redis.url();
    all[args.length + 2] = "--key-prefix";
    all[args.length + 3] = PREFIX;
    return run(all);
  }

  @Test
  void shouldLoadSyntheticUsersWithTheGivenKeyTtl() {
    String[] result = cli("load", "--count", "300", "--seed", "9", "--batch-ttl-seconds", "600");

    assertThat(result[0]).as(result[2]).isEqualTo("0");
    assertThat(result[1]).contains("loaded 300 synthetic users (seed 9)", "rows/s", "HGETALL " + PREFIX);
    assertThat(raw.hgetAll(PREFIX + "u0300")).containsOnlyKeys("country_iso", "risk_segment", "account_age_days",
        "tx_count_7d", "avg_amount_30d", "chargeback_count_180d");
    assertThat(raw.ttl(PREFIX + "u0001")).isBetween(590L, 600L);
    assertThat(cli("stats")[1]).contains("300 entities under '" + PREFIX + "'", "key TTL");
  }

  @Test
  void shouldStillTakeTheEarlierNameOfTheTtlFlag() {
    assertThat(cli("load", "--count", "1", "--ttl-seconds", "700")[0]).isEqualTo("0");
    assertThat(raw.ttl(PREFIX + "u0001")).isBetween(690L, 700L);
  }

  @Test
  void shouldLoadAValidCsv() throws IOException {
    Path csv = Files.writeString(dir.resolve("daily.csv"), "user_id,country_iso,tx_count_7d\nu0001,DE,3\nu0002,FR,0\n");

    String[] result = cli("load", "--from", csv.toString());

    assertThat(result[0]).as(result[2]).isEqualTo("0");
    assertThat(raw.hget(PREFIX + "u0002", "country_iso")).isEqualTo("FR");
    assertThat(raw.ttl(PREFIX + "u0002")).isGreaterThan(86000L);
  }

  @Test
  void shouldLoadNothingFromAFileWithOneBadRow() throws IOException {
    StringBuilder content = new StringBuilder("{\"user_id\":\"u0001\",\"tx_count_7d\":1}\n");
    for (int i = 2; i <= 5000; i++) {
      content.append("{\"user_id\":\"u").append(i).append("\",\"tx_count_7d\":").append(i).append("}\n");
    }
    content.append("{\"user_id\":\"u9999\",\"tx_count_7d\":\"lots\"}\n");
    Path jsonl = Files.writeString(dir.resolve("daily.jsonl"), content);

    String[] result = cli("load", "--from", jsonl.toString());

    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("nothing was loaded", "line 5001", "'lots' is not an integer");
    assertThat(raw.exists(PREFIX + "u0001")).isFalse();
    assertThat(cli("stats")[1]).contains("0 entities");
  }

  @Test
  void shouldResetOnlyWithConfirmation() {
    cli("load", "--count", "20");

    String[] refused = cli("reset");
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains("refusing to delete 20 entities", "--yes");
    assertThat(raw.exists(PREFIX + "u0001")).isTrue();

    String[] done = cli("reset", "--yes");
    assertThat(done[1]).contains("removed 20 entities");
    assertThat(raw.exists(PREFIX + "u0001")).isFalse();
  }

  @Test
  void shouldSayClearlyWhenRedisIsUnreachable() {
    String[] result = run("load", "--count", "5", "--redis-url", "redis://127.0.0.1:1");
    assertThat(result[0]).isEqualTo("1");
    assertThat(result[2]).contains("cannot reach Redis at redis://127.0.0.1:1");
  }
}
