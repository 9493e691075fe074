package io.featurestore.materializer;

import static io.featurestore.materializer.MaterializerCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** The materializer CLI end to end against a real Redis. */
@ExtendWith(RedisExtension.class)
class MaterializerIT {
  private static final String PREFIX = "it:mat:";
  /** The merchant entity's prefix from the bundled registry: --key-prefix moves the user entity's only. */
  private static final String MERCHANTS = "fs:merchant:";

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
    run("reset", "--yes", "--redis-url", redis.url(), "--entity", "merchant");
    raw.del(META);
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

  private static final String META = "fs:meta:it-materializer";

  private Set<String> keysUnder(String prefix) {
    Set<String> keys = new TreeSet<>();
    ScanParams params = new ScanParams().match(prefix + "*").count(1000);
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = raw.scan(cursor, params);
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  @Test
  void shouldLoadSyntheticMerchantsUnderTheirOwnPrefixWithTheKeyTtlAndLeaveUsersAlone() {
    assertThat(cli("load", "--count", "20", "--batch-ttl-seconds", "5000")[0]).isEqualTo("0");
    Map<String, String> user = raw.hgetAll(PREFIX + "u0007");

    String[] result = cli("load", "--entity", "merchant", "--count", "300", "--seed", "9", "--batch-ttl-seconds", "600");

    assertThat(result[0]).as(result[2]).isEqualTo("0");
    assertThat(result[1]).contains("loaded 300 synthetic merchants (seed 9)", "HGETALL " + MERCHANTS + "<id>");
    assertThat(keysUnder(MERCHANTS)).hasSize(300).contains(MERCHANTS + "m0001", MERCHANTS + "m0300");
    assertThat(raw.hgetAll(MERCHANTS + "m0300")).containsOnlyKeys("merchant_category", "merchant_risk_tier",
        "merchant_age_days");
    assertThat(raw.hgetAll(MERCHANTS + "m0042")).isEqualTo(SyntheticMerchants.merchant(42, 9).values());
    assertThat(raw.ttl(MERCHANTS + "m0001")).isBetween(590L, 600L);
    assertThat(raw.ttl(MERCHANTS + "m0300")).isBetween(590L, 600L);

    assertThat(keysUnder(PREFIX)).hasSize(20);
    assertThat(raw.hgetAll(PREFIX + "u0007")).isEqualTo(user);
    assertThat(raw.ttl(PREFIX + "u0007")).as("the users' key TTL, set by their own load").isGreaterThan(4000L);
    assertThat(cli("stats", "--entity", "merchant")[1]).contains("300 entities under '" + MERCHANTS + "' (merchant)");
    assertThat(cli("stats")[1]).contains("20 entities under '" + PREFIX + "' (user)");
  }

  @Test
  void shouldTakeTheEntityFromTheEnvironment() {
    String[] result = MaterializerCliTest.run(Map.of("FS_ENTITY", "merchant"),
        "load", "--count", "3", "--redis-url", redis.url());
    assertThat(result[0]).as(result[2]).isEqualTo("0");
    assertThat(keysUnder(MERCHANTS)).containsExactlyInAnyOrder(MERCHANTS + "m0001", MERCHANTS + "m0002", MERCHANTS + "m0003");
  }

  @Test
  void shouldLoadAMerchantFileAndRejectABadOneBeforeLoadingAnything() throws IOException {
    Path good = Files.writeString(dir.resolve("merchants.csv"),
        "merchant_id,merchant_category,merchant_risk_tier,merchant_age_days\nm0001,grocery,low,2201\nm0002,travel,high,12\n");
    assertThat(cli("load", "--entity", "merchant", "--from", good.toString())[0]).isEqualTo("0");
    assertThat(raw.hgetAll(MERCHANTS + "m0002")).isEqualTo(Map.of("merchant_category", "travel",
        "merchant_risk_tier", "high", "merchant_age_days", "12"));
    assertThat(raw.ttl(MERCHANTS + "m0002")).isGreaterThan(86000L);
    cli("reset", "--yes", "--entity", "merchant");

    StringBuilder content = new StringBuilder("merchant_id,merchant_category,merchant_age_days\n");
    for (int i = 1; i <= 3000; i++) {
      content.append(io.featurestore.population.Merchants.merchantId(i)).append(",grocery,").append(i).append('\n');
    }
    content.append("m3001,grocery,ancient\n");
    Path bad = Files.writeString(dir.resolve("bad.csv"), content);

    String[] result = cli("load", "--entity", "merchant", "--from", bad.toString());

    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("nothing was loaded", "line 3002, column 3 ('merchant_age_days'): 'ancient' is not an integer");
    assertThat(keysUnder(MERCHANTS)).isEmpty();

    Path streaming = Files.writeString(dir.resolve("streaming.csv"), "merchant_id,merchant_tx_count_1h\nm0001,4\n");
    String[] refused = cli("load", "--entity", "merchant", "--from", streaming.toString());
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains("line 1, column 2: column 'merchant_tx_count_1h' is a streaming feature of merchant");
    assertThat(keysUnder(MERCHANTS)).isEmpty();
  }

  @Test
  void shouldResetOneEntityWithoutTouchingAnotherOrTheMetaKeys() {
    cli("load", "--count", "20");
    cli("load", "--count", "30", "--entity", "merchant");
    raw.hset(META, "instance-1", "state=RUNNING");

    String[] refused = cli("reset", "--entity", "merchant");
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains("refusing to delete 30 entities under '" + MERCHANTS + "' (merchant)");

    String[] done = cli("reset", "--yes", "--entity", "merchant");

    assertThat(done[0]).as(done[2]).isEqualTo("0");
    assertThat(done[1]).contains("removed 30 entities under '" + MERCHANTS + "' (merchant)");
    assertThat(keysUnder(MERCHANTS)).isEmpty();
    assertThat(keysUnder(PREFIX)).hasSize(20);
    assertThat(raw.hget(META, "instance-1")).isEqualTo("state=RUNNING");
  }

  @Test
  void shouldRefuseToResetAPrefixThatReachesTheMetaKeys() {
    raw.hset(META, "instance-1", "state=RUNNING");
    String[] result = run("reset", "--yes", "--redis-url", redis.url(), "--key-prefix", "fs:meta:users:");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("refusing to reset under 'fs:meta:users:' (entity user): it overlaps 'fs:meta:'");
    assertThat(raw.exists(META)).isTrue();
  }

  @Test
  void shouldSayClearlyWhenRedisIsUnreachable() {
    String[] result = run("load", "--count", "5", "--redis-url", "redis://127.0.0.1:1");
    assertThat(result[0]).isEqualTo("1");
    assertThat(result[2]).contains("cannot reach Redis at redis://127.0.0.1:1");
  }
}
