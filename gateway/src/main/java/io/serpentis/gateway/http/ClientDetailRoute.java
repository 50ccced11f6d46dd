package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
        ClientSnapshot snapshot = record.snapshot();
        ByteBuf out = JsonOutput.encode(responses.mapper(), exchange.alloc(), 512, g -> ClientJson.write(g, snapshot));
        return CompletableFuture.completedFuture(
                HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON));
    }
}
