package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.internal.JsonOutput;
import io.serpentis.gateway.internal.Utf8;
import io.serpentis.gateway.registry.ClientFilter;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;

/**
 * {@code GET /api/v1/fleet/summary?group_by=&where=&limit=}: how many clients hold each value of one attribute,
 * connected and in total, over every client the registry holds (the whole fleet), optionally only those passing
 * {@code where} expressions ({@link ClientFilter}; {@code group_by} takes the same attribute names, {@code client_id}
 * and {@code connected} included). Groups are ordered by total, largest first, then by value in code-point order;
 * at most {@code limit} of them are listed (default and most {@value #MAX_GROUPS}), the rest are summed in
 * {@code other} and {@code truncated} is {@code true}. Clients without the attribute are counted in {@code missing}.
 * One pass over the registry, a snapshot per client: the route table runs it offloaded, not on the event loop.
 */
public final class FleetSummaryRoute implements HttpRoute {
    /** The most groups one answer lists. */
    public static final int MAX_GROUPS = 1000;

    /** Largest group first, then values in code-point order. */
    private static final Comparator<Group> ORDER =
            Comparator.comparingInt(Group::total).reversed().thenComparing(Group::value, ClientFilter::compareText);

    private final ClientRegistry registry;
    private final HttpResponses responses;

    private record Query(String groupBy, ClientFilter where, int limit) {}

    public FleetSummaryRoute(ClientRegistry registry, HttpResponses responses) {
        this.registry = registry;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        return responses.answerQuery(exchange, FleetSummaryRoute::parse, this::encode);
    }

    private static Query parse(HttpExchange exchange) {
        String groupBy = exchange.queryParam("group_by");
        if (groupBy == null || groupBy.isEmpty()) {
            throw new IllegalArgumentException(
                    "group_by is required: the attribute to count clients by, e.g. group_by=client_state");
        }
        if (Utf8.length(groupBy) > ClientFilter.MAX_EXPRESSION_BYTES) {
            throw new IllegalArgumentException(
                    "group_by is longer than the limit of " + ClientFilter.MAX_EXPRESSION_BYTES + " bytes");
        }
        ClientFilter where = ClientFilter.parse(exchange.queryParams("where"));
        int limit = exchange.countParam("limit", MAX_GROUPS, MAX_GROUPS);
        return new Query(groupBy, where, limit);
    }

    private FullHttpResponse encode(HttpExchange exchange, Query query) {
        Scan scan = new Scan(query);
        registry.forEach(scan);
        List<Group> groups = scan.top(query.limit());
        int listedConnected = 0;
        int listedTotal = 0;
        for (Group group : groups) {
            listedConnected += group.connected();
            listedTotal += group.total();
        }
        int otherValues = scan.groups.size() - groups.size();
        int otherConnected = scan.matchedConnected - scan.missing.connected - listedConnected;
        int otherTotal = scan.matched - scan.missing.total - listedTotal;
        ByteBuf out = JsonOutput.encode(responses.mapper(), exchange.alloc(), 256 + groups.size() * 64, g -> {
            g.writeStartObject();
            g.writeStringProperty("group_by", query.groupBy());
            g.writeName("groups");
            g.writeStartArray();
            for (Group group : groups) {
                g.writeStartObject();
                g.writeStringProperty("value", group.value());
                g.writeNumberProperty("connected", group.connected());
                g.writeNumberProperty("total", group.total());
                g.writeEndObject();
            }
            g.writeEndArray();
            writeBucket(g, "missing", -1, scan.missing.connected, scan.missing.total);
            g.writeBooleanProperty("truncated", otherValues > 0);
            writeBucket(g, "other", otherValues, otherConnected, otherTotal);
            g.writeNumberProperty("matched", scan.matched);
            JsonOutput.writeCounts(g, scan.connected, scan.total);
            g.writeEndObject();
        });
        return HttpResponses.response(HttpResponseStatus.OK, out, HttpResponses.JSON);
    }

    /** {@code "name": {["values": v,] "connected": c, "total": t}}; no {@code values} when it is negative. */
    private static void writeBucket(JsonGenerator g, String name, int values, int connected, int total) {
        g.writeName(name);
        g.writeStartObject();
        if (values >= 0) {
            g.writeNumberProperty("values", values);
        }
        g.writeNumberProperty("connected", connected);
        g.writeNumberProperty("total", total);
        g.writeEndObject();
    }

    /** One value's counts; a snapshot of a {@link Counter} for ordering and output. */
    private record Group(String value, int connected, int total) {}

    /** One value's counts while scanning. */
    private static final class Counter {
        int connected;
        int total;
    }

    /**
     * One pass over the registry: the fleet's counts, and the counts per value of the matching clients. The map
     * holds one entry per distinct value, so at most one per client. Used by one thread.
     */
    private static final class Scan implements Consumer<ClientRecord> {
        private final Query query;
        final Map<String, Counter> groups = new HashMap<>();
        final Counter missing = new Counter();
        int connected;
        int total;
        int matched;
        int matchedConnected;

        Scan(Query query) {
            this.query = query;
        }

        @Override
        public void accept(ClientRecord record) {
            ClientSnapshot s = record.snapshot();
            boolean isConnected = s.connected();
            connected += isConnected ? 1 : 0;
            total++;
            if (!query.where().test(s)) {
                return;
            }
            matched++;
            matchedConnected += isConnected ? 1 : 0;
            String value = ClientFilter.attribute(s, query.groupBy());
            Counter c = value == null ? missing : groups.computeIfAbsent(value, v -> new Counter());
            c.connected += isConnected ? 1 : 0;
            c.total++;
        }

        /** The {@code limit} first groups in {@link #ORDER}: a bounded heap when there are more (O(n log limit)). */
        List<Group> top(int limit) {
            List<Group> result = new ArrayList<>(Math.min(limit, groups.size()));
            if (groups.size() <= limit) {
                groups.forEach((v, c) -> result.add(new Group(v, c.connected, c.total)));
            } else {
                PriorityQueue<Group> best = new PriorityQueue<>(limit + 1, ORDER.reversed());
                for (Map.Entry<String, Counter> e : groups.entrySet()) {
                    Counter c = e.getValue();
                    best.add(new Group(e.getKey(), c.connected, c.total));
                    if (best.size() > limit) {
                        best.poll(); // the last in ORDER
                    }
                }
                result.addAll(best);
            }
            result.sort(ORDER);
            return result;
        }
    }
}
