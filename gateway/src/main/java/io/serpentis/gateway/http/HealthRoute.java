package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.store.StatusStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The health endpoints: {@code GET /health} in the original's shape ({@code {"status":"ok","redis_status":...}}),
 * {@code GET /livez} (the process answers; never depends on Redis) and {@code GET /readyz} (Redis reachable, its
 * initial load done, no resync in progress, not draining; 503 otherwise), each listing its checks.
 */
public final class HealthRoute implements HttpRoute {
    /** Which endpoint. */
    public enum Kind {
        HEALTH,
        LIVE,
        READY
    }

    private final StatusStore store;
    private final HttpResponses responses;
    private final Kind kind;
    private final BooleanSupplier draining;

    public HealthRoute(StatusStore store, HttpResponses responses, Kind kind, BooleanSupplier draining) {
        this.store = store;
        this.responses = responses;
        this.kind = kind;
        this.draining = draining;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        Object body;
        HttpResponseStatus status = HttpResponseStatus.OK;
        switch (kind) {
            case HEALTH -> body = HttpResponses.object("status", "ok", "redis_status", store.status().redisStatus());
            case LIVE -> body = HttpResponses.object("status", "ok", "checks", Map.of("event_loop", "ok"));
            case READY -> {
                StatusStore.Readiness r = store.readiness();
                Map<String, String> checks = new LinkedHashMap<>(r.checks());
                boolean drain = draining.getAsBoolean();
                checks.put("accepting", drain ? "draining" : "yes");
                boolean ready = r.ready() && !drain;
                status = ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
                body = HttpResponses.object("status", ready ? "ready" : "not_ready", "checks", checks);
            }
            default -> throw new AssertionError(kind);
        }
        FullHttpResponse r = responses.json(exchange.alloc(), status, body);
        r.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CACHE_CONTROL, "no-store");
        return CompletableFuture.completedFuture(r);
    }
}
