package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.store.StatusStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code GET /health}: {@code {"status":"ok","redis_status":"..."}}, the original's shape. */
public final class HealthRoute implements HttpRoute {
    private final StatusStore store;
    private final HttpResponses responses;

    public HealthRoute(StatusStore store, HttpResponses responses) {
        this.store = store;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return CompletableFuture.completedFuture(responses.json(exchange.alloc(), HttpResponseStatus.OK,
                HttpResponses.object("status", "ok", "redis_status", store.status().redisStatus())));
    }
}
