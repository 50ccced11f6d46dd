package io.serpentis.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.serpentis.gateway.fleet.FleetMembers;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.registry.ClientRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/v1/nodes} (admin): the gateway nodes of the fleet, from this node's memory (its member table,
 * refreshed by every heartbeat), never by asking them: every live node with its id, life, address, state
 * ({@code live}, or {@code stale} when its heartbeat is late), start, last heartbeat, clients and acknowledged
 * status updates per second (over its last history sample, as of its last heartbeat); and the nodes lost
 * recently, with when and why. Outside a fleet (no Redis, or {@code --fleet=false}) the only node is this one.
 */
public final class NodesRoute implements HttpRoute {
    private final @Nullable FleetMembers fleet;
    private final String nodeId;
    private final ClientRegistry registry;
    private final DoubleSupplier ownRate;
    private final HttpResponses responses;
    private final long startedMillis = System.currentTimeMillis();

    /**
     * @param fleet the fleet as this node sees it, or {@code null} outside one
     * @param nodeId this node's id
     * @param registry this node's clients (outside a fleet)
     * @param ownRate this node's acknowledged status updates per second (outside a fleet)
     */
    public NodesRoute(
            @Nullable FleetMembers fleet,
            String nodeId,
            ClientRegistry registry,
            DoubleSupplier ownRate,
            HttpResponses responses) {
        this.fleet = fleet;
        this.nodeId = nodeId;
        this.registry = registry;
        this.ownRate = ownRate;
        this.responses = responses;
    }

    @Override
    public CompletionStage<FullHttpResponse> handle(HttpExchange exchange) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        List<Map<String, Object>> lost = new ArrayList<>();
        if (fleet == null) {
            Map<String, Object> self = new LinkedHashMap<>();
            self.put("node_id", nodeId);
            self.put("incarnation", null);
            self.put("address", null);
            self.put("state", "live");
            self.put("started", time(startedMillis));
            self.put("last_heartbeat", null);
            self.put("clients", registry.connectedCount());
            self.put("updates_per_s", ownRate.getAsDouble());
            nodes.add(self);
        } else {
            for (FleetMembers.Member m : fleet.members()) {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("node_id", m.nodeId());
                n.put("incarnation", m.incarnation());
                n.put("address", m.address());
                n.put("state", m.state().name().toLowerCase(Locale.ROOT));
                n.put("started", time(m.startedMillis()));
                n.put("last_heartbeat", time(m.lastHeartbeatMillis()));
                n.put("clients", m.clients());
                n.put("updates_per_s", m.updatesPerSecond());
                nodes.add(n);
            }
            for (FleetMembers.LostNode l : fleet.lost()) {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("node_id", l.nodeId());
                n.put("incarnation", l.incarnation());
                n.put("address", l.address());
                n.put("lost_at", time(l.lostAtMillis()));
                n.put("why", l.why());
                n.put("last_heartbeat", time(l.lastHeartbeatMillis()));
                n.put("clients_reaped", l.clientsReaped());
                n.put("recorded_by", l.recordedBy());
                lost.add(n);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("self", nodeId);
        body.put("nodes", nodes);
        body.put("lost", lost);
        return CompletableFuture.completedFuture(responses.json(exchange.alloc(), HttpResponseStatus.OK, body));
    }

    private static @Nullable String time(long epochMillis) {
        return epochMillis <= 0 ? null : Timestamps.format(epochMillis * 1000);
    }
}
