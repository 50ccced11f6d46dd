package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.store.StatusStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The health endpoints, each a small route: {@code GET /health} in the original's shape
 * ({@code {"status":"ok","redis_status":...}}), {@code GET /livez} (the process answers; never depends on Redis) and
 * {@code GET /readyz} (Redis reachable, its initial load done, no resync in progress, not draining; 503 otherwise),
 * the last two listing their checks. Their answers are never cached ({@code Cache-Control: no-store}).
 */
public final class HealthRoutes {
    private HealthRoutes() {}

    /** {@code GET /health}: always 200, with the store's {@code redis_status}. */
    public static HttpRoute health(StatusStore store, HttpResponses responses) {
        return exchange -> answer(
                responses,
                exchange,
                HttpResponseStatus.OK,
                HttpResponses.object(
                        "status", "ok", "redis_status", store.status().redisStatus()));
    }

    /** {@code GET /livez}: 200 whenever an event loop can answer. */
    public static HttpRoute live(HttpResponses responses) {
        return exchange -> answer(
                responses,
                exchange,
                HttpResponseStatus.OK,
                HttpResponses.object("status", "ok", "checks", Map.of("event_loop", "ok")));
    }

    /** {@code GET /readyz}: 200 when the store is ready and the gateway is not {@code draining}, else 503. */
    public static HttpRoute ready(StatusStore store, HttpResponses responses, BooleanSupplier draining) {
        return ready(store::readiness, responses, draining);
    }

    /**
     * {@code GET /readyz}: 200 when {@code readiness} (the store's, and a fleet member's own) says ready and the
     * gateway is not {@code draining}, else 503; the body lists every check.
     */
    public static HttpRoute ready(
            Supplier<StatusStore.Readiness> readiness, HttpResponses responses, BooleanSupplier draining) {
        return exchange -> {
            StatusStore.Readiness r = readiness.get();
            Map<String, String> checks = new LinkedHashMap<>(r.checks());
            boolean drain = draining.getAsBoolean();
            checks.put("accepting", drain ? "draining" : "yes");
            boolean ready = r.ready() && !drain;
            return answer(
                    responses,
                    exchange,
                    ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    HttpResponses.object("status", ready ? "ready" : "not_ready", "checks", checks));
        };
    }

    private static CompletionStage<FullHttpResponse> answer(
            HttpResponses responses, HttpExchange exchange, HttpResponseStatus status, Object body) {
        FullHttpResponse r = responses.json(exchange.alloc(), status, body);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return CompletableFuture.completedFuture(r);
    }
}
