package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.command.CommandReceipts;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /api/v1/commands/{command_id}}: the command's receipt as it stands now, from whichever node (with Redis
 * the receipts are shared by the fleet), or 404 when there is none (never sent, or older than the retention);
 * 503 when the receipts' store cannot be read.
 */
public final class CommandReceiptRoute implements HttpRoute {
    private final CommandReceipts receipts;
    private final HttpResponses responses;

    public CommandReceiptRoute(CommandReceipts receipts, HttpResponses responses) {
        this.receipts = receipts;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        String id = exchange.pathParams().get(0);
        var alloc = exchange.alloc();
        return receipts.get(id).handle((r, e) -> {
            if (e != null) {
                return responses.detail(
                        alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "Command receipts are unavailable; retry");
            }
            if (r == null) {
                return responses.detail(
                        alloc,
                        HttpResponseStatus.NOT_FOUND,
                        "Command " + id + " not found (unknown, or older than the receipts kept)");
            }
            return responses.json(alloc, HttpResponseStatus.OK, r.toJson());
        });
    }
}
