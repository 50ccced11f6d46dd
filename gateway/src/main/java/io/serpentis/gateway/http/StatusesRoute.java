package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.store.StatusStore;
import io.serpentis.gateway.store.StoreStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /statuses}: every client's fields, the original's shape
 * ({@code {"redis_status":...,"clients":{id:{field:string}},"data_source":...}}). Served from the registry's
 * memory, never one store round trip per client. Encoding a large fleet is CPU work: the route table runs it
 * offloaded, not on the event loop.
 */
public final class StatusesRoute implements HttpRoute {
    private final ClientRegistry registry;
    private final StatusStore store;
    private final HttpResponses responses;

    public StatusesRoute(ClientRegistry registry, StatusStore store, HttpResponses responses) {
        this.registry = registry;
        this.store = store;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return CompletableFuture.completedFuture(encode(exchange));
    }

    private FullHttpResponse encode(HttpExchange exchange) {
        StoreStatus status = store.status();
        ByteBuf out = JsonOutput.encode(responses.mapper(), exchange.alloc(), 256 + registry.size() * 192, g -> {
            g.writeStartObject();
            g.writeStringProperty("redis_status", status.redisStatus());
            g.writeName("clients");
            g.writeStartObject();
            registry.forEach(record -> {
                ClientSnapshot s = record.snapshot();
                g.writeName(s.id());
                JsonOutput.writeFields(g, s.names(), s.values());
            });
            g.writeEndObject();
            g.writeStringProperty("data_source", status.dataSource());
            g.writeEndObject();
        });
        return HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON);
    }
}
