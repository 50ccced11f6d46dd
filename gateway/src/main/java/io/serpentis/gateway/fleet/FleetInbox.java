package io.serpentis.gateway.fleet;

import io.serpentis.gateway.metrics.FleetMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.FleetFencing;
import io.serpentis.gateway.store.FleetKeys;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A node's inbox, {@code serpentis:{node:<id>}:inbox}: requests from other nodes, one JSON object per message with
 * a {@code type}. This node sends {@code kick}s and handles them:
 *
 * <pre>{"type": "kick", "client": "worker-7", "epoch": 1795887915362342, "from": "gw-2"}</pre>
 *
 * <p>A node whose claim took a client from another node that held its connection tells that node to let go (the
 * claim's answer names it): the old connection closes with 4001 within the message's latency, even when its client
 * is quiet and no write of the old node would be fenced. The receiver closes its connection only if the epoch it
 * holds is older than the kick's, so an old connection can never kick a newer one. Unknown types are ignored (a
 * newer node may send more). The fleet view adds the types of cross-node commands ({@link #on}).
 *
 * <p>Threading: {@link #claimedFrom} on the store's writer thread (it publishes, never blocks); {@link #message}
 * on the bus thread.
 */
final class FleetInbox implements FleetBus.Subscriber, FleetFencing.Listener {
    private static final Logger log = LoggerFactory.getLogger(FleetInbox.class);

    /** How long a kick is sent again while it reaches nobody (a failover, a resubscription). */
    static final Duration KICK_PERSISTENCE = Duration.ofSeconds(10);

    private final FleetBus bus;
    private final LocalClientRegistry registry;
    private final JsonMapper json;
    private final FleetMetrics metrics;
    private final String nodeId;
    private final Map<String, Consumer<JsonNode>> handlers = new ConcurrentHashMap<>();

    FleetInbox(FleetBus bus, LocalClientRegistry registry, JsonMapper json, FleetMetrics metrics, String nodeId) {
        this.bus = bus;
        this.registry = registry;
        this.json = json;
        this.metrics = metrics;
        this.nodeId = nodeId;
    }

    /** Hands inbox messages of {@code type} to {@code handler} (on the bus thread; it must not block). */
    void on(String type, Consumer<JsonNode> handler) {
        handlers.put(type, handler);
    }

    @Override
    public void claimedFrom(String clientId, String previousNode, long newEpoch) {
        ObjectNode kick = json.createObjectNode()
                .put("type", "kick")
                .put("client", clientId)
                .put("epoch", newEpoch)
                .put("from", nodeId);
        metrics.kickSent();
        // Sent again while Redis fails over or the old node's subscription is being made again: a quiet client's old
        // connection has nothing else that would close it.
        bus.publishUntilHeard(FleetKeys.inbox(previousNode), kick.toString(), KICK_PERSISTENCE);
    }

    @Override
    public void message(String channel, String message) {
        JsonNode m;
        try {
            m = json.readTree(message);
        } catch (JacksonException e) {
            log.debug("not a fleet message on {}: {}", channel, e.getOriginalMessage());
            return;
        }
        String type = m.path("type").asString("");
        Consumer<JsonNode> handler = handlers.get(type);
        if (handler != null) {
            handler.accept(m);
            return;
        }
        if ("kick".equals(type)) {
            String client = m.path("client").asString("");
            long epoch = m.path("epoch").asLong(0);
            if (client.isEmpty() || epoch <= 0) {
                return;
            }
            metrics.kickReceived();
            if (registry.kicked(client, epoch)) {
                log.debug(
                        "client {} was claimed by {}: its connection here is closed",
                        client,
                        m.path("from").asString("another node"));
            }
        }
    }
}
