package io.serpentis.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /metrics}: the Prometheus text exposition of every meter. Scraping serialises every meter: the route
 * table runs it offloaded, never on an event loop.
 */
public final class MetricsRoute implements HttpRoute {
    /** Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    public MetricsRoute(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return CompletableFuture.completedFuture(scrape(exchange));
    }

    private FullHttpResponse scrape(HttpExchange exchange) {
        ByteBuf out = exchange.alloc().buffer(16 * 1024);
        try {
            registry.scrape(new ByteBufOutputStream(out), CONTENT_TYPE);
        } catch (IOException | RuntimeException e) {
            out.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return HttpResponses.response(HttpResponseStatus.OK, out, CONTENT_TYPE);
    }
}
