package io.featurestore.serving;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless system Chromium for browser tests, provided by {@code scripts/provide-chromium.sh}
 * (Debian's chromium and chromium-driver, installed once). The driver and browser paths are
 * given explicitly, so Selenium Manager never looks for or downloads anything.
 */
final class Chromium {
  static final String SCRIPT = "scripts/provide-chromium.sh";

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
    ChromeDriver chrome = new ChromeDriver(service, options);
    chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return chrome;
  }

  /** Runs the provide script; returns [browser path, driver path]. */
  private static List<String> provide() throws IOException {
    Path script = projectRoot().resolve(SCRIPT);
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("cannot find " + SCRIPT + " to provide Chromium (looked in " + projectRoot() + ")");
    }
    Process process = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out;
    try (InputStream in = process.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    try {
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(SCRIPT + " could not provide Chromium (see its messages above)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while providing Chromium", e);
    }
    List<String> lines = out.lines().toList();
    if (lines.size() < 2 || !new File(lines.get(lines.size() - 2)).canExecute()) {
      throw new IllegalStateException(SCRIPT + " printed no browser and driver path: " + out);
    }
    return lines.subList(lines.size() - 2, lines.size());
  }

  /** The checkout's top folder: {@code fs.project.root} (set by failsafe), else the nearest parent holding the script. */
  private static Path projectRoot() {
    String configured = System.getProperty("fs.project.root");
    if (configured != null && Files.exists(Path.of(configured, SCRIPT))) {
      return Path.of(configured);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(SCRIPT))) {
        return dir;
      }
    }
    return Path.of("").toAbsolutePath();
  }
}
