package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.command.AuditEntry;
import io.serpentis.gateway.command.AuditTrail;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/v1/audit?limit=&cursor=&client_id=}: the audit trail, newest first, one page at a time:
 * {@code {"entries": [...], "next_cursor": "<id>"|null}}. {@code cursor} is the {@code next_cursor} of the previous
 * page (the last entry's id); {@code client_id} keeps the entries whose target is that client. With Redis the trail
 * is the fleet's: every node shows every node's actions.
 */
public final class AuditRoute implements HttpRoute {
    /** Page size when {@code limit} is absent. */
    public static final int DEFAULT_LIMIT = 50;
    /** Largest {@code limit}. */
    public static final int MAX_LIMIT = 500;

    private final AuditTrail audit;
    private final HttpResponses responses;

    public AuditRoute(AuditTrail audit, HttpResponses responses) {
        this.audit = audit;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        var alloc = exchange.alloc();
        int limit;
        String cursor = exchange.queryParam("cursor");
        String clientId = exchange.queryParam("client_id");
        try {
            limit = exchange.countParam("limit", DEFAULT_LIMIT, MAX_LIMIT);
            if (cursor != null && !AuditTrail.isCursor(cursor)) {
                throw new IllegalArgumentException("cursor is not one this API returned (use next_cursor as given)");
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(responses.badQuery(alloc, e));
        }
        return audit.page(limit, cursor, empty(clientId)).handle((page, e) -> {
            if (e != null) {
                return responses.detail(
                        alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "The audit trail is unavailable; retry");
            }
            List<Map<String, @Nullable Object>> entries =
                    new ArrayList<>(page.entries().size());
            for (AuditEntry entry : page.entries()) {
                entries.add(entry.toJson());
            }
            Map<String, Object> body = HttpResponses.object("entries", entries);
            body.put("next_cursor", page.nextCursor());
            return responses.json(alloc, HttpResponseStatus.OK, body);
        });
    }

    private static @Nullable String empty(@Nullable String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
