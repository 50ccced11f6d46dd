package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * {@code GET /metrics}: the Prometheus text exposition of every meter. Scraping serialises every meter, so it
 * runs on the {@code executor}, never on an event loop.
 */
public final class MetricsRoute implements HttpRoute {
    /** Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final HttpResponses responses;
    private final Executor executor;

    public MetricsRoute(PrometheusMeterRegistry registry, HttpResponses responses, Executor executor) {
        this.registry = registry;
        this.responses = responses;
        this.executor = executor;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return responses.offload(exchange, executor, this::scrape);
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
