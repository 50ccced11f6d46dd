package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.store.StatusStore;
import io.serpentis.gateway.store.StoreStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import tools.jackson.core.JsonGenerator;

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
        ByteBuf out = exchange.alloc().buffer(256 + registry.size() * 192);
        boolean ok = false;
        try (JsonGenerator g = responses.mapper().createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
            g.writeStartObject();
            g.writeStringProperty("redis_status", status.redisStatus());
            g.writeName("clients");
            g.writeStartObject();
            registry.forEach(record -> {
                ClientSnapshot s = record.snapshot();
                g.writeName(s.id());
                g.writeStartObject();
                String[] names = s.names();
                String[] values = s.values();
                for (int i = 0; i < names.length; i++) {
                    g.writeStringProperty(names[i], values[i]);
                }
                g.writeEndObject();
            });
            g.writeEndObject();
            g.writeStringProperty("data_source", status.dataSource());
            g.writeEndObject();
            ok = true;
        } finally {
            if (!ok) {
                out.release();
            }
        }
        return HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON);
    }
}
