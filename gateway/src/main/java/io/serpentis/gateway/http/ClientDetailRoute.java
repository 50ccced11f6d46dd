package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import tools.jackson.core.JsonGenerator;

/** {@code GET /api/v1/clients/{client_id}}: one client's record, or 404. */
public final class ClientDetailRoute implements HttpRoute {
    private final ClientRegistry registry;
    private final HttpResponses responses;

    public ClientDetailRoute(ClientRegistry registry, HttpResponses responses) {
        this.registry = registry;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String id = exchange.pathParams().get(0);
        ClientRecord record = registry.find(id);
        if (record == null) {
            return CompletableFuture.completedFuture(
                    responses.detail(exchange.alloc(), HttpResponseStatus.NOT_FOUND, "Client " + id + " not found."));
        }
        ByteBuf out = exchange.alloc().buffer(512);
        boolean ok = false;
        try (JsonGenerator g = responses.mapper().createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            ClientJson.write(g, record.snapshot());
            ok = true;
        } finally {
            if (!ok) {
                out.release();
            }
        }
        return CompletableFuture.completedFuture(HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON));
    }
}
