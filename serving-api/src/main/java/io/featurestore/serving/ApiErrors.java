package io.featurestore.serving;

import io.featurestore.core.StoreRejectedException;
import io.featurestore.core.StoreUnavailableException;
import io.featurestore.core.FeatureStoreException;
import io.featurestore.core.InvalidInputException;
import io.featurestore.core.UnknownFeatureException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's failure kinds, each with one exception mapper and a JSON body
 * {@code {"error": "...", ...details}}. Client mistakes are 4xx; Redis being unreachable is
 * 503; only a bug in this service is a 500.
 */
final class ApiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  /** 404: the entity's hash does not exist. */
  static final class EntityNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String entityId;

    EntityNotFoundException(String entityName, String entityId) {
      super(entityName + " '" + entityId + "' not found: expired or never loaded");
      this.entityId = entityId;
    }
  }

  /** 413: a batch names more ids (or rows) than {@code SERVING_MAX_BATCH}. */
  static final class TooManyIdsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int count;
    final int limit;

    TooManyIdsException(int count, int limit) {
      this("entity ids", count, limit);
    }

    TooManyIdsException(String what, int count, int limit) {
      super("too many " + what + ": " + count + " in one request, the limit is " + limit
          + " (SERVING_MAX_BATCH); split the batch");
      this.count = count;
      this.limit = limit;
    }
  }

  /** 400: the request names a feature service the registry does not have. */
  static final class UnknownServiceException extends InvalidInputException {
    private static final long serialVersionUID = 1L;
    final String unknown;
    final List<String> allowed;

    UnknownServiceException(String unknown, List<String> allowed) {
      this("unknown feature service '" + unknown + "'; allowed: " + String.join(", ", allowed), unknown, allowed);
    }

    UnknownServiceException(String message, String unknown, List<String> allowed) {
      super(message);
      this.unknown = unknown;
      this.allowed = List.copyOf(allowed);
    }
  }

  /** 401: API keys are configured and the request presents none, or a wrong one. */
  static final class UnauthorizedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnauthorizedException(boolean presented) {
      super(presented ? "invalid API key"
          : "missing API key: send it as 'X-API-Key: KEY' or 'Authorization: Bearer KEY'");
    }
  }

  static void register(RoutesConfig routes, Json json, ServingMetrics metrics) {
    FailureLog unavailableLog = new FailureLog(LOG, false, System::nanoTime);
    FailureLog rejectedLog = new FailureLog(LOG, true, System::nanoTime);

    routes.exception(InvalidInputException.class, (e, ctx) -> send(json, ctx, 400, e.getMessage(), Map.of()));
    routes.exception(UnknownFeatureException.class, (e, ctx) ->
        send(json, ctx, 400, e.getMessage(), details("unknown", e.unknown(), "allowed", e.allowed())));
    routes.exception(UnknownServiceException.class, (e, ctx) ->
        send(json, ctx, 400, e.getMessage(), details("unknown", e.unknown, "allowed", e.allowed)));
    routes.exception(EntityNotFoundException.class, (e, ctx) ->
        send(json, ctx, 404, e.getMessage(), Map.of("entity_id", e.entityId)));
    routes.exception(TooManyIdsException.class, (e, ctx) ->
        send(json, ctx, 413, e.getMessage(), details("count", e.count, "limit", e.limit)));
    routes.exception(UnauthorizedException.class, (e, ctx) -> {
      ctx.header("WWW-Authenticate", "Bearer");
      send(json, ctx, 401, e.getMessage(), Map.of());
    });
    // Javalin's own answers: unknown path (404), wrong method (405), body over the size limit (413).
    routes.exception(HttpResponseException.class, (e, ctx) -> {
      Map<String, Object> details = new LinkedHashMap<>();
      e.getDetails().forEach((key, value) -> details.put(snakeCase(key), value));
      Object allowed = details.remove("available_methods");
      if (allowed != null) {
        ctx.header("Allow", allowed.toString());
        details.put("allowed_methods", allowed);
      }
      send(json, ctx, e.getStatus(), e.getMessage(), details);
    });

    // The client went away or broke off its body mid-way: nothing is wrong with this service.
    routes.exception(IOException.class, (e, ctx) -> {
      LOG.debug("Could not read the request {} {}: {}", ctx.method(), ctx.path(), e.toString());
      send(json, ctx, 400, "could not read the request: " + e.getMessage(), Map.of());
    });
    routes.exception(StoreUnavailableException.class, (e, ctx) -> {
      metrics.redisConnectionError();
      unavailableLog.log(e, "Redis unavailable, answering 503: " + FeatureStoreException.withRootCause(e));
      unavailable(json, ctx, e);
    });
    routes.exception(StoreRejectedException.class, (e, ctx) -> {
      metrics.redisCommandError();
      rejectedLog.log(e, "Redis rejected a command for " + ctx.method() + " " + ctx.path() + ", answering 500");
      send(json, ctx, 500, e.getMessage(), Map.of());
    });
    routes.exception(Exception.class, (e, ctx) -> internal(json, ctx, e));
  }

  private static void unavailable(Json json, Context ctx, Exception e) {
    ctx.header("Retry-After", "1");
    send(json, ctx, 503, "Redis is unavailable: " + FeatureStoreException.withRootCause(e), Map.of("retryable", true));
  }

  private static void internal(Json json, Context ctx, Exception e) {
    LOG.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
    send(json, ctx, 500, "internal error: " + e.getClass().getSimpleName() + "; see the serving-api log", Map.of());
  }

  private static void send(Json json, Context ctx, int status, String message, Map<String, ?> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    json.send(ctx, status, body);
  }

  private static Map<String, Object> details(String key1, Object value1, String key2, Object value2) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put(key1, value1);
    details.put(key2, value2);
    return details;
  }

  private static String snakeCase(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
