package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import java.util.concurrent.CompletionStage;

/**
 * One HTTP endpoint, a plain object testable without a channel. Called on the event loop: a route either answers
 * at once or hands slow work to an executor and completes the stage later (from any thread). {@code HEAD} is
 * answered by the {@code GET} route with the body removed.
 */
@FunctionalInterface
public interface HttpRoute {

    /** Answers {@code exchange}; the response, once completed, is owned by the caller. */
    CompletionStage<FullHttpResponse> handle(HttpExchange exchange);
}
