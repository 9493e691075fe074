package io.featurestore.serving;

import io.featurestore.infra.ProjectScripts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.utils.Utils;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless system Chromium for browser tests, provided by {@code scripts/provide-chromium.sh}
 * (Debian's chromium and chromium-driver, installed once). The driver and browser paths are
 * given explicitly, so Selenium Manager never looks for or downloads anything. Each browser has a
 * new profile folder, removed by {@code quit()}.
 */
final class Chromium {
  static final String SCRIPT = "provide-chromium.sh";

  private Chromium() {}

  static ChromeDriver start(int width, int height) throws IOException {
    List<String> paths = provide();
    Path browser = Path.of(paths.get(0));
    Path driver = Path.of(paths.get(1));
    System.setProperty("webdriver.chrome.driver", driver.toString());
    System.setProperty("SE_OFFLINE", "true");
    Path profile = Files.createTempDirectory("fs-chromium-");
    ChromeOptions options = new ChromeOptions()
        .setBinary(browser.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driver.toFile())
        .usingAnyFreePort()
        .withLogFile(profile.resolve("chromedriver.log").toFile())
        .build();
    ChromeDriver chrome = new ChromeDriver(service, options) {
      @Override
      public void quit() {
        try {
          super.quit();
        } finally {
          delete(profile);
        }
      }
    };
    chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return chrome;
  }

  /** The browser's profile and the driver's log, once the browser has stopped. */
  private static void delete(Path profile) {
    try {
      Utils.delete(profile.toFile());
    } catch (IOException e) {
      System.err.println("cannot remove " + profile + ": " + e.getMessage());
    }
  }

  /** Runs the provide script; returns [browser path, driver path]. */
  private static List<String> provide() {
    List<String> lines = ProjectScripts.run(SCRIPT, Duration.ofMinutes(10));
    if (lines.size() < 2 || !new File(lines.get(lines.size() - 2)).canExecute()) {
      throw new IllegalStateException("scripts/" + SCRIPT + " printed no browser and driver path: " + lines);
    }
    return lines.subList(lines.size() - 2, lines.size());
  }
}
