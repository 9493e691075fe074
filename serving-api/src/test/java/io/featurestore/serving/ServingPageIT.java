package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.core.Heartbeat;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * The web page in a real headless Chromium: read a user and see typed values and a TTL that
 * counts down, read a batch, inspect a hash, read a service across a user and a merchant (and
 * a batch of such rows), read and inspect a merchant, watch the stream processor go from live to down,
 * and use the page on a server that requires an API key. Leaves a screenshot in
 * {@code /tmp/serving-page.png}.
 */
@ExtendWith(RedisExtension.class)
class ServingPageIT {
  static final Path SCREENSHOT = Path.of(System.getProperty("java.io.tmpdir"), "serving-page.png");
  private static final Pattern SECONDS = Pattern.compile("^(\\d+) s$");

  private TestServer server;
  private ChromeDriver chrome;
  private ScheduledExecutorService heartbeat;
  // What the simulated processor reports about itself (see beat()).
  private volatile String beatStatus = "OK";
  private volatile String beatReason = "";
  private volatile long beatSinceMs = -1;

  @AfterEach
  void stop() {
    if (heartbeat != null) {
      heartbeat.shutdownNow();
    }
    if (chrome != null) {
      chrome.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  private void startServer(RedisEndpoint redis, String prefix, Map<String, String> env) {
    server = TestServer.start(redis.url(), prefix, env);
    server.loadUsers(200);
    long now = System.currentTimeMillis();
    server.store.streamingWriter().writeStreaming(StreamingUpdate.set("u0001", Map.of("tx_count_5m", 4L, "failed_logins_15m", 2L,
        "last_login_ts", now - 42_000, "last_device_id", "ios-9f02", "session_country", "DE")));
    server.loadMerchants(30);
    try (RedisClient raw = RedisClient.create(redis.url())) {
      String merchant = server.registry.forEntity("merchant").keyOf("m001");
      raw.hset(merchant, "merchant_tx_count_1h", "41");
      raw.hexpire(merchant, 80, "merchant_tx_count_1h");
    }
  }

  /** Renews a processor heartbeat every second, as a running stream processor does. */
  private void beat() {
    heartbeat = Executors.newSingleThreadScheduledExecutor();
    heartbeat.scheduleAtFixedRate(() -> {
      long now = System.currentTimeMillis();
      server.store.streamingWriter().writeHeartbeat(new Heartbeat("stream-processor-1@host", "RUNNING", now, now - 700, 12_345,
          beatStatus, beatReason, beatSinceMs, List.of("events.login-3", "events.transaction-3", "events.login-0",
          "events.transaction-0")), 5);
    }, 0, 1, TimeUnit.SECONDS);
  }

  private WebDriverWait waitUpTo(int seconds) {
    return new WebDriverWait(chrome, Duration.ofSeconds(seconds));
  }

  private String text(String css) {
    return chrome.findElement(By.cssSelector(css)).getText().trim();
  }

  /** The text of an element in a part of the page that is rebuilt on every poll (the instances table). */
  private String rebuiltText(String css) {
    return waitUpTo(5).ignoring(StaleElementReferenceException.class)
        .until(d -> d.findElement(By.cssSelector(css)).getText().trim());
  }

  private int assertShowsTheTtlRedisHas(String ttlSelector) {
    long before = redisTtl();
    int shown = seconds(text(ttlSelector));
    long after = redisTtl();
    assertThat((long) shown).as("page TTL between HTTL read before (%d) and after (%d)", before, after)
        .isBetween(after - 2, before + 1);
    return shown;
  }

  private long redisTtl() {
    return server.store.reader().inspect("u0001").orElseThrow().fieldTtlSeconds().get("tx_count_5m");
  }

  private static int seconds(String ttlText) {
    Matcher m = SECONDS.matcher(ttlText);
    assertThat(m.matches()).as("a TTL in seconds, not '" + ttlText + "'").isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void shouldShowTypedValuesAndATtlThatCountsDownAndTheProcessorGoingDown(RedisEndpoint redis) throws Exception {
    startServer(redis, "it:page:", Map.of("FS_STREAM_TTL_SECONDS", "90"));
    beat();
    chrome = Chromium.start(1400, 1700);
    chrome.get(server.base + "/");

    chrome.findElement(By.id("mode-features")).click();
    WebElement id = chrome.findElement(By.id("entity-id"));
    id.clear();
    id.sendKeys("u0001");
    chrome.findElement(By.id("read-button")).click();

    String row = "#read-table tr[data-feature='%s'] ";
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector(String.format(row, "tx_count_5m") + "td.value"), "4"));
    assertThat(text(String.format(row, "country_iso") + "td.value")).matches("[A-Z]{2}");
    assertThat(text(String.format(row, "last_device_id") + "td.value")).isEqualTo("ios-9f02");
    assertThat(text(String.format(row, "account_age_days") + "td.value")).matches("\\d+");
    assertThat(text(String.format(row, "last_login_ts") + "td.value")).contains(" UTC").contains("ago");
    assertThat(text("#read-status")).contains("HTTP 200", "server", "browser round trip");

    String ttl = String.format(row, "tx_count_5m") + ".ttl-text";
    // The page's TTL against Redis' own HTTL read around the same moment (not against a guess of
    // how long the browser took): it matches, and it counts down.
    int first = assertShowsTheTtlRedisHas(ttl);
    waitUpTo(10).until(d -> seconds(text(ttl)) < first);
    assertShowsTheTtlRedisHas(ttl);

    waitUpTo(5).until(ExpectedConditions.textToBePresentInElementLocated(By.id("processor-state"), "LIVE"));
    assertThat(text("#processor-pill")).isEqualTo("stream processor live");
    assertThat(text("#newest-event-age")).matches("\\d+\\.\\d s");

    WebElement size = chrome.findElement(By.id("batch-size"));
    size.clear();
    size.sendKeys("150");
    chrome.findElement(By.id("batch-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("batch-status"), "150 users"));
    assertThat(text("#batch-status")).contains("150 found", "0 not found");
    assertThat(chrome.findElements(By.cssSelector("#batch-table tbody tr"))).hasSize(25);

    chrome.findElement(By.id("inspect-button")).click();
    waitUpTo(10).until(d -> d.findElements(By.cssSelector("#inspect-table tbody tr")).size() == 11);
    assertThat(text("#inspect-key")).contains("it:page:u0001", "key TTL");

    // A service across entities: an id input for each entity it reads, one group of rows per entity.
    new Select(chrome.findElement(By.id("read-entity"))).selectByValue("*");
    assertThat(new Select(chrome.findElement(By.id("service-select"))).getFirstSelectedOption().getAttribute("value"))
        .isEqualTo("fraud_scoring_v2");
    WebElement merchantId = chrome.findElement(By.id("entity-id-merchant"));
    assertThat(merchantId.isDisplayed()).isTrue();
    merchantId.clear();
    merchantId.sendKeys("m001");
    chrome.findElement(By.id("read-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector(String.format(row, "merchant.merchant_tx_count_1h") + "td.value"), "41"));
    assertThat(text(String.format(row, "user.tx_count_5m") + "td.value")).isEqualTo("4");
    assertThat(List.of("low", "medium", "high")).contains(text(String.format(row, "merchant.merchant_risk_tier") + "td.value"));
    assertThat(seconds(text(String.format(row, "merchant.merchant_tx_count_1h") + ".ttl-text"))).isBetween(1, 80);
    assertThat(chrome.findElements(By.cssSelector("#read-table tr.group"))).hasSize(2);
    assertThat(text("#read-status")).contains("HTTP 200", "user u0001", "merchant m001");

    // The batch reads rows of both entities.
    size = chrome.findElement(By.id("batch-size"));
    size.clear();
    size.sendKeys("40");
    chrome.findElement(By.id("batch-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("batch-status"), "40 rows"));
    assertThat(text("#batch-status")).contains("user 40 found", "merchant 30 found · 10 not found");

    // One merchant, by its own features.
    new Select(chrome.findElement(By.id("read-entity"))).selectByValue("merchant");
    assertThat(chrome.findElement(By.id("entity-id")).isDisplayed()).as("no user id for a merchant read").isFalse();
    chrome.findElement(By.id("read-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector(String.format(row, "merchant_category") + "td.value"), ""));
    waitUpTo(10).until(d -> !text(String.format(row, "merchant_category") + "td.value").isEmpty());
    assertThat(text(String.format(row, "merchant_age_days") + "td.value")).matches("\\d+");

    // Inspect a merchant's hash.
    new Select(chrome.findElement(By.id("inspect-entity"))).selectByValue("merchant");
    assertThat(chrome.findElement(By.id("inspect-id")).getAttribute("value")).isEqualTo("m001");
    chrome.findElement(By.id("inspect-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("inspect-key"), "mit:page:m001"));
    assertThat(chrome.findElements(By.cssSelector("#inspect-table tbody tr"))).hasSize(4);

    Path shot = chrome.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
    LoggerFactory.getLogger(ServingPageIT.class).info("Screenshot of the page: {}", SCREENSHOT);

    // The processor reports a task that keeps failing: the page shows its status, the reason and since when.
    beatReason = "stream thread failed 3 times and was replaced each time: task 0_1: SinkUnavailableException: Redis down";
    beatSinceMs = System.currentTimeMillis() - 42_000;
    beatStatus = "FAILING";
    waitUpTo(5).until(ExpectedConditions.textToBePresentInElementLocated(By.id("processor-state"), "FAILING"));
    assertThat(text("#processor-state")).startsWith("FAILING — since ").endsWith(" UTC");
    assertThat(text("#processor-pill")).isEqualTo("stream processor failing");
    assertThat(text("#processor-reason")).isEqualTo("stream-processor-1@host: " + beatReason);
    String instance = "#instances-table tr[data-instance='stream-processor-1@host'] ";
    assertThat(rebuiltText(instance + "td.status")).startsWith("FAILING").contains("RUNNING");
    assertThat(rebuiltText(instance + "td.partitions")).as("the co-partitioned topics' partitions it owns")
        .isEqualTo("0, 3");
    String why = "#instances-table tr[data-reason-of='stream-processor-1@host'] ";
    assertThat(rebuiltText(why + ".since")).startsWith("FAILING since ").contains(" UTC (").endsWith(" ago)");
    assertThat(rebuiltText(why + ".reason")).isEqualTo(": " + beatReason);
    beatStatus = "OK";
    beatReason = "";
    beatSinceMs = -1;
    waitUpTo(5).until(ExpectedConditions.textToBePresentInElementLocated(By.id("processor-state"), "LIVE"));
    assertThat(chrome.findElement(By.id("processor-reason")).isDisplayed()).isFalse();
    assertThat(rebuiltText(instance + "td.status")).startsWith("OK");
    assertThat(chrome.findElements(By.cssSelector("#instances-table tr.reason-row"))).isEmpty();

    // The processor stops (clean shutdown removes its heartbeat): the page shows it within a poll or two.
    heartbeat.shutdownNow();
    heartbeat.awaitTermination(5, TimeUnit.SECONDS);
    server.store.streamingWriter().removeHeartbeat("stream-processor-1@host");
    waitUpTo(4).until(ExpectedConditions.textToBePresentInElementLocated(By.id("processor-state"), "DOWN"));
    assertThat(text("#processor-pill")).isEqualTo("stream processor down");

    // A value of another type under a user's key (written by something else): missing, and the page says why.
    try (RedisClient raw = RedisClient.create(redis.url())) {
      raw.hset(server.registry.keyOf("u0190"), "tx_count_7d", "fourteen");
    }
    new Select(chrome.findElement(By.id("read-entity"))).selectByValue("user");
    WebElement user = chrome.findElement(By.id("entity-id"));
    user.clear();
    user.sendKeys("u0190");
    chrome.findElement(By.id("read-button")).click();
    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("read-status"), "is not an integer"));
    assertThat(text("#read-status")).contains("u0190", "5 present", "feature 'tx_count_7d' (int): 'fourteen' is not an integer");
    assertThat(text(String.format(row, "tx_count_7d"))).doesNotContain("fourteen");
  }

  @Test
  void shouldAskForTheApiKeyAndThenWork(RedisEndpoint redis) throws Exception {
    startServer(redis, "it:page-auth:", Map.of("SERVING_API_KEYS", "page-key"));
    chrome = Chromium.start(1200, 900);
    chrome.get(server.base + "/");

    waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("key-panel")));
    assertThat(text("#key-message")).contains("missing API key");
    chrome.findElement(By.id("api-key")).sendKeys("page-key");
    chrome.findElement(By.cssSelector("#key-form button[type=submit]")).click();

    waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#read-table tr[data-feature='risk_segment'] td.value"), ""));
    waitUpTo(10).until(d -> !d.findElements(By.cssSelector("#read-table tbody tr")).isEmpty());
    assertThat(List.of("low", "medium", "high")).contains(text("#read-table tr[data-feature='risk_segment'] td.value"));
    waitUpTo(5).until(ExpectedConditions.textToBePresentInElementLocated(By.id("processor-state"), "DOWN"));
  }
}
