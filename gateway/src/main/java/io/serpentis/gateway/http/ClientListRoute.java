package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.registry.ClientFilter;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/v1/clients?state=&q=&where=&limit=&cursor=}: one page of clients in a stable order (by id),
 * filtered by connection state, by a case-insensitive substring of the id and by {@code where} expressions on their
 * attributes ({@link ClientFilter}: repeatable, all must hold), served from the registry's memory. The cursor is
 * opaque to callers (the base64url of the last id of the previous page), so pages stay consistent while clients
 * come and go: a client is never listed twice, and one that existed throughout is never skipped. {@code matched}
 * counts the clients that pass every filter; {@code counts} are the fleet's, whatever the filters. A client listed
 * on the page is shown as it is when the page is written: one that changed since the scan so that it no longer
 * passes {@code where} is left out, as one purged since is. Scanning a large fleet is CPU work: the route table runs
 * it offloaded, not on the event loop.
 */
public final class ClientListRoute implements HttpRoute {
    /** Page size when {@code limit} is absent. */
    public static final int DEFAULT_LIMIT = 100;
    /** Largest {@code limit}. */
    public static final int MAX_LIMIT = 1000;

    private final ClientRegistry registry;
    private final HttpResponses responses;

    /** The parsed query. */
    private record Query(
            @Nullable Boolean connected,
            @Nullable String q,
            ClientFilter where,
            int limit,
            @Nullable String after) {}

    public ClientListRoute(ClientRegistry registry, HttpResponses responses) {
        this.registry = registry;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return responses.answerQuery(exchange, ClientListRoute::parse, this::encode);
    }

    private static Query parse(HttpExchange exchange) {
        String state = exchange.queryParam("state");
        Boolean connected;
        if (state == null || state.equals("all")) {
            connected = null;
        } else if (state.equals("connected")) {
            connected = Boolean.TRUE;
        } else if (state.equals("disconnected")) {
            connected = Boolean.FALSE;
        } else {
            throw new IllegalArgumentException("state must be connected, disconnected or all");
        }
        String q = exchange.queryParam("q");
        q = q == null || q.isEmpty() ? null : q.toLowerCase(Locale.ROOT);
        int limit = exchange.countParam("limit", DEFAULT_LIMIT, MAX_LIMIT);
        String cursor = exchange.queryParam("cursor");
        String after = null;
        if (cursor != null && !cursor.isEmpty()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cursor is not one this API returned (use next_cursor as given)");
            }
        }
        ClientFilter where = ClientFilter.parse(exchange.queryParams("where"));
        return new Query(connected, q, where, limit, after);
    }

    /** The cursor that continues after {@code id}. */
    static String cursorAfter(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    private FullHttpResponse encode(HttpExchange exchange, Query query) {
        Scan scan = new Scan(query);
        registry.forEach(scan);
        Page page = scan.page();
        ByteBuf out = JsonOutput.encode(
                responses.mapper(), exchange.alloc(), 256 + page.ids().size() * 256, g -> {
                    g.writeStartObject();
                    g.writeName("clients");
                    g.writeStartArray();
                    for (String id : page.ids()) {
                        ClientRecord record = registry.find(id);
                        if (record == null) { // purged since the scan: left out
                            continue;
                        }
                        ClientSnapshot snapshot = record.snapshot();
                        if (query.where().test(snapshot)) { // else it changed since the scan: left out
                            ClientJson.write(g, snapshot);
                        }
                    }
                    g.writeEndArray();
                    if (page.nextCursor() == null) {
                        g.writeNullProperty("next_cursor");
                    } else {
                        g.writeStringProperty("next_cursor", page.nextCursor());
                    }
                    g.writeNumberProperty("matched", page.matched());
                    JsonOutput.writeCounts(g, page.connected(), page.total());
                    g.writeEndObject();
                });
        return HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON);
    }

    /**
     * One page and the counts of the scan that found it.
     *
     * @param ids the page's ids, in order
     * @param nextCursor the cursor of the next page, or {@code null} on the last
     * @param matched clients matching every filter, on every page
     * @param connected clients connected, whatever the filters
     * @param total clients known, whatever the filters
     */
    private record Page(List<String> ids, @Nullable String nextCursor, int matched, int connected, int total) {}

    /**
     * One pass over the registry: the fleet's counts, the matches, and the limit + 1 smallest matching ids after the
     * cursor, kept in a max-heap (O(n log limit)). Used by one thread.
     */
    private static final class Scan implements Consumer<ClientRecord> {
        private final Query query;
        private final PriorityQueue<String> smallest;
        private int connected;
        private int total;
        private int matched;

        Scan(Query query) {
            this.query = query;
            this.smallest = new PriorityQueue<>(query.limit() + 1, Collections.reverseOrder());
        }

        @Override
        public void accept(ClientRecord record) {
            boolean isConnected = record.connected();
            connected += isConnected ? 1 : 0;
            total++;
            if (!matches(record, isConnected, query)) {
                return;
            }
            matched++;
            String id = record.id();
            if (query.after() != null && id.compareTo(query.after()) <= 0) {
                return;
            }
            if (smallest.size() <= query.limit()) {
                smallest.add(id);
            } else if (id.compareTo(smallest.peek()) < 0) {
                smallest.poll();
                smallest.add(id);
            }
        }

        Page page() {
            List<String> ids = new ArrayList<>(smallest);
            Collections.sort(ids);
            String next = null;
            if (ids.size() > query.limit()) {
                ids = ids.subList(0, query.limit());
                next = cursorAfter(ids.get(ids.size() - 1));
            }
            return new Page(ids, next, matched, connected, total);
        }
    }

    /** The cheap filters first; a snapshot (a copy of the record) only when {@code where} has expressions. */
    private static boolean matches(ClientRecord record, boolean connected, Query query) {
        if (query.connected() != null && query.connected() != connected) {
            return false;
        }
        if (query.q() != null && !record.id().toLowerCase(Locale.ROOT).contains(query.q())) {
            return false;
        }
        return query.where().matchesAll() || query.where().test(record.snapshot());
    }
}
