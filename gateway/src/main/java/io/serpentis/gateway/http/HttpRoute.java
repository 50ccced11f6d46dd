package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import java.util.concurrent.CompletionStage;

/**
 * One HTTP endpoint, a plain object testable without a channel. Called on the event loop, or on the router's
 * blocking-task executor for a route the table declares offloaded ({@link HttpRouter.RouteBuilder#offloaded()}), so
 * a route never chooses its own thread: it answers at once, or completes the stage later (from any thread) when it
 * waits for something. {@code HEAD} is answered by the {@code GET} route with the body removed.
 */
@FunctionalInterface
public interface HttpRoute {

    /** Answers {@code exchange}; the response, once completed, is owned by the caller. */
    CompletionStage<FullHttpResponse> handle(HttpExchange exchange);
}
