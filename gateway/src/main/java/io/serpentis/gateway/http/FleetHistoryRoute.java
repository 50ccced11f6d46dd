package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.fleet.FleetHistory;
import io.serpentis.gateway.fleet.HistorySample;
import io.serpentis.gateway.internal.JsonOutput;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /api/v1/fleet/history} (admin): the fleet's last hour for the dashboard's charts, from this node's
 * memory ({@link FleetHistory}: loaded from Redis at start, so every node answers the fleet's one history):
 * {@code {"interval_s": 10, "samples": [{"t": "2026-01-02T03:04:10Z", "connected": n, "disconnected": n,
 * "updates_per_s": x}]}}, oldest first, at most an hour's worth (360 at 10 s).
 */
public final class FleetHistoryRoute implements HttpRoute {
    private final FleetHistory history;
    private final HttpResponses responses;

    public FleetHistoryRoute(FleetHistory history, HttpResponses responses) {
        this.history = history;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        List<HistorySample> samples = history.samples();
        ByteBuf out = JsonOutput.encode(responses.mapper(), exchange.alloc(), 64 + samples.size() * 96, g -> {
            g.writeStartObject();
            g.writeNumberProperty("interval_s", history.interval().toSeconds());
            g.writeName("samples");
            g.writeStartArray();
            for (HistorySample s : samples) {
                g.writeStartObject();
                g.writeStringProperty("t", s.time());
                g.writeNumberProperty("connected", s.connected());
                g.writeNumberProperty("disconnected", s.disconnected());
                g.writeNumberProperty("updates_per_s", s.updatesPerSecond());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        return CompletableFuture.completedFuture(
                HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON));
    }
}
