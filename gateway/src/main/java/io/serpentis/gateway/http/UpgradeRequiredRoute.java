package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A plain {@code GET} of a WebSocket path: 426 Upgrade Required, saying how to connect. */
public final class UpgradeRequiredRoute implements HttpRoute {
    private final HttpResponses responses;

    public UpgradeRequiredRoute(HttpResponses responses) {
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        FullHttpResponse r = responses.detail(
                exchange.alloc(),
                HttpResponseStatus.UPGRADE_REQUIRED,
                "Upgrade Required: " + exchange.path() + " is a WebSocket endpoint; connect with a WebSocket client");
        r.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        return CompletableFuture.completedFuture(r);
    }
}
