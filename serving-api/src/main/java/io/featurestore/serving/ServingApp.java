package io.featurestore.serving;

import io.featurestore.cli.Cli;
import io.featurestore.core.FeatureReader;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.RedisVersion;
import io.featurestore.core.StoreSettings;
import io.featurestore.core.StoreUnavailableException;
import io.featurestore.core.UnsupportedRedisException;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving API: HTTP/JSON reads of features from Redis, the registry, health, metrics,
 * an OpenAPI description and a web page. {@link #create()} builds an unstarted Javalin from
 * the collaborators given to the constructor; {@link #main} is the only composition root.
 *
 * <p>Routes (see docs/SERVING.md and {@code /openapi.json}):
 * {@code GET /v1/features/{entity_id}}, {@code GET /v1/features?user=…&merchant=…}, {@code POST /v1/features/batch},
 * {@code GET /v1/entities/{entity_id}}, {@code GET /v1/registry},
 * {@code GET /v1/stream-processor}, {@code GET /health/live}, {@code GET /health/ready},
 * {@code GET /metrics}, {@code GET /openapi.json}, {@code GET /}. With API keys configured,
 * everything under {@code /v1} needs a key; health, metrics, the OpenAPI description and the
 * page itself stay open.
 */
public final class ServingApp {
  private static final Logger LOG = LoggerFactory.getLogger(ServingApp.class);
  static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final Set<String> COMMON_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
  /** The page may only load its own scripts and styles, and talk to this server. */
  private static final String PAGE_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

  private final FeatureReader reader;
  private final ServingConfig config;
  private final PrometheusMeterRegistry meters;
  private final Json json = new Json();
  private final ServingMetrics metrics;
  private final FeatureEndpoints endpoints;
  private final ApiKeys apiKeys;
  private final String redisWhere;
  private final byte[] indexHtml;
  private final byte[] openApi;

  public ServingApp(FeatureReader reader, ServingConfig config, PrometheusMeterRegistry meters, Clock clock) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.config = Objects.requireNonNull(config, "config");
    this.meters = Objects.requireNonNull(meters, "meters");
    FeatureRegistry registry = reader.registry();
    Map<String, java.util.List<String>> featureNames = new LinkedHashMap<>();
    registry.entityNames().forEach(entity -> featureNames.put(entity, registry.forEntity(entity).featureNames()));
    this.metrics = new ServingMetrics(meters, featureNames);
    this.endpoints = new FeatureEndpoints(reader, config.maxBatch(), config.maxRequestBytes(), json, metrics,
        Objects.requireNonNull(clock, "clock"));
    this.apiKeys = new ApiKeys(config.apiKeys());
    this.redisWhere = config.store().redis().describe();
    this.indexHtml = resource("/web/index.html");
    this.openApi = resource("/openapi.json");
  }

  /** An unstarted server with every route, filter and error mapper; start it with {@code start()}. */
  public Javalin create() {
    return Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.jsonMapper(new JavalinJackson(json.mapper(), false));
      cfg.http.prefer405over404 = true;
      // Bodies are small JSON on a fast network: compressing them would cost more than it saves.
      cfg.http.compressionStrategy = CompressionStrategy.NONE;
      cfg.http.maxRequestSize = config.maxRequestBytes();
      cfg.jetty.host = config.host();
      cfg.jetty.port = config.port();
      cfg.jetty.threadPool = threadPool(config.threads());
      cfg.jetty.modifyServer(server -> {
        // Graceful stop: refuse new requests, let the ones in flight finish (bounded).
        server.setStopTimeout(10_000);
        server.setHandler(new GracefulHandler());
      });
      cfg.staticFiles.add(files -> {
        files.hostedPath = "/assets";
        files.directory = "/web/assets";
        files.location = Location.CLASSPATH;
        files.headers = Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");
      });
      cfg.requestLogger.http((ctx, ms) ->
          metrics.recordRequest(methodTag(ctx), routeTag(ctx), ctx.statusCode(), (long) (ms * 1_000_000)));

      if (apiKeys.enabled()) {
        cfg.routes.before("/v1/*", this::requireApiKey);
      }
      cfg.routes.get("/", this::page);
      cfg.routes.get("/openapi.json", ctx -> Json.sendBytes(ctx, 200, openApi));
      cfg.routes.get("/health/live", ctx -> json.send(ctx, 200, Map.of("status", "UP")));
      cfg.routes.get("/health/ready", this::ready);
      cfg.routes.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_CONTENT_TYPE).result(meters.scrape()));
      cfg.routes.get("/v1/registry", endpoints::describeRegistry);
      cfg.routes.get("/v1/features", endpoints::readRow);
      cfg.routes.get("/v1/features/{" + FeatureEndpoints.ENTITY_ID + "}", endpoints::readOne);
      cfg.routes.post("/v1/features/batch", endpoints::readBatch);
      cfg.routes.get("/v1/entities/{" + FeatureEndpoints.ENTITY_ID + "}", endpoints::inspect);
      cfg.routes.get("/v1/stream-processor", endpoints::streamProcessor);
      ApiErrors.register(cfg.routes, json, metrics);
    });
  }

  private void requireApiKey(Context ctx) {
    String presented = ApiKeys.presented(ctx.header(ApiKeys.HEADER), ctx.header("Authorization"));
    if (!apiKeys.accepts(presented)) {
      throw new ApiErrors.UnauthorizedException(presented != null);
    }
  }

  private void page(Context ctx) {
    ctx.header("Content-Security-Policy", PAGE_CSP)
        .header("X-Content-Type-Options", "nosniff")
        .header("Cache-Control", "no-cache")
        .contentType("text/html; charset=utf-8")
        .result(indexHtml);
  }

  /** Ready when Redis answers and is >= 7.4; 503 otherwise. */
  private void ready(Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    try {
      RedisVersion version = reader.checkServerVersion();
      body.put("status", "UP");
      body.put("redis", redisWhere);
      body.put("redis_version", version.toString());
      json.send(ctx, 200, body);
    } catch (UnsupportedRedisException e) {
      body.put("status", "DOWN");
      body.put("error", e.getMessage());
      json.send(ctx, 503, body);
    } catch (FeatureStoreException e) {
      body.put("status", "DOWN");
      body.put("error", "Redis unreachable: " + FeatureStoreException.withRootCause(e));
      json.send(ctx, 503, body);
    }
  }

  private static String methodTag(Context ctx) {
    String method = ctx.req().getMethod();
    return COMMON_METHODS.contains(method) ? method : "OTHER";
  }

  /** The matched route template; unknown paths and static files share one tag. */
  private static String routeTag(Context ctx) {
    Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
    return endpoint == null ? ServingMetrics.UNMATCHED : endpoint.path;
  }

  private static QueuedThreadPool threadPool(int maxThreads) {
    // Handlers block on Redis for tens of microseconds: a few dozen threads keep two cores
    // busy without the context switching of Jetty's default 200.
    QueuedThreadPool pool = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads), 60_000);
    pool.setName("http");
    return pool;
  }

  private static byte[] resource(String name) {
    try (InputStream in = ServingApp.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- composition root

  public static void main(String[] args) {
    int exit = Cli.run(new ServingConfig.Flags(), System.getenv(), args, ServingConfig.Flags::config, ServingApp::serve);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  private static int serve(ServingConfig config) throws InterruptedException {
    FeatureRegistry registry;
    FeatureStore store;
    try {
      registry = config.store().loadRegistry();
      store = connect(config, registry);
    } catch (FeatureStoreException e) {
      System.err.println("serving-api: " + e.getMessage());
      return 2;
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ClassLoaderMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);

    Javalin app = new ServingApp(store.reader(), config, meters, Clock.systemUTC()).create();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Stopping the serving API: finishing requests in flight");
      app.stop();
      store.close();
      meters.close();
      LOG.info("Serving API stopped");
      stopped.countDown();
    }, "serving-api-shutdown"));
    app.start();
    LOG.info("Serving API ready on http://{}:{} (Redis {}, prefix '{}', {} features, {} services, batch limit {}, "
            + "{} threads, API keys {})", config.host(), app.port(), config.store().redis().describe(),
        registry.keyPrefix(), registry.featureNames().size(), registry.services().size(), config.maxBatch(),
        config.threads(), config.authEnabled() ? "required for /v1 (" + config.apiKeys().size() + ")" : "off");
    stopped.await();
    return 0;
  }

  /**
   * Connects and checks the Redis version, waiting up to {@code SERVING_REDIS_WAIT_SECONDS}
   * for a Redis that is still starting. Anything else (a too-old Redis, a malformed URL) fails at once.
   */
  private static FeatureStore connect(ServingConfig config, FeatureRegistry registry) throws InterruptedException {
    long deadline = System.nanoTime() + config.redisWaitSeconds() * 1_000_000_000L;
    boolean warned = false;
    while (true) {
      try {
        return FeatureStore.connect(config.store().redis(), registry);
      } catch (StoreUnavailableException e) {
        if (System.nanoTime() >= deadline) {
          throw e;
        }
        if (!warned) {
          LOG.warn("{}; retrying for up to {} s", e.getMessage(), config.redisWaitSeconds());
          warned = true;
        }
        Thread.sleep(500);
      }
    }
  }
}
