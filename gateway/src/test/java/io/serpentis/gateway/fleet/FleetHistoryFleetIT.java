package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fleet's history across nodes on a real redis-server: two nodes sample the whole fleet (clients on both, the
 * update rate of a node reported in its heartbeat and summed), keep one history in Redis, and a third node started
 * later answers {@code GET /api/v1/fleet/history} with the samples taken before it started.
 */
class FleetHistoryFleetIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<WsTestClient> sockets = new ArrayList<>();

    @AfterEach
    void closeSockets() {
        sockets.forEach(WsTestClient::abort);
    }

    private GatewayServer node(String id) throws InterruptedException {
        return redis.startGateway(
                c -> c.withServer(s -> s.withNodeId(id)).withFeed(f -> f.withHistoryInterval(Duration.ofSeconds(1))));
    }

    private WsTestClient client(GatewayServer node, String id) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        sockets.add(c);
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"n\": 0}}"))
                .contains("message_processed");
        return c;
    }

    private static JsonNode get(GatewayServer node, String path) {
        return JSON.readTree(new HttpTestClient(node.httpUri()).get(path).body());
    }

    /** {@code t} to the sample, oldest first. */
    private static Map<String, JsonNode> history(GatewayServer node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        get(node, "/api/v1/fleet/history")
                .get("samples")
                .forEach(s -> out.put(s.get("t").asString(), s));
        return out;
    }

    private static double nodeRate(GatewayServer on, String nodeId) {
        for (JsonNode n : get(on, "/api/v1/nodes").get("nodes")) {
            if (n.get("node_id").asString().equals(nodeId)) {
                return n.get("updates_per_s").asDouble();
            }
        }
        return -1;
    }

    private static JsonNode last(Map<String, JsonNode> samples) {
        JsonNode last = null;
        for (JsonNode s : samples.values()) {
            last = s;
        }
        return last;
    }

    @Test
    void twoNodesKeepOneHistoryInRedisAndANodeStartedLaterShowsIt() throws Exception {
        GatewayServer a = node("hist-a");
        GatewayServer b = node("hist-b");
        client(a, "hist-on-a");
        WsTestClient busy = client(b, "hist-on-b");
        WsTestClient gone = client(b, "hist-gone");
        // Every client in a's view (b's feed followed) before one of them leaves.
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        get(a, "/api/v1/clients?state=connected").get("matched").asInt() == 3);
        gone.close(1000, "bye");
        gone.awaitClose();

        // Node a counts the fleet's clients (one of them on b), and b's updates reach a's samples through b's
        // heartbeat: a acknowledges none of them.
        AtomicReference<String> seen = new AtomicReference<>("nothing yet");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .alias("a's last sample and member table (last seen: see the message)")
                .conditionEvaluationListener(e -> {
                    if (e.getRemainingTimeInMS() <= 100) {
                        System.out.println("Last seen on hist-a: " + seen.get());
                    }
                })
                .until(() -> {
                    busy.request("{\"client_id\": \"hist-on-b\", \"status\": {\"n\": 1}}");
                    JsonNode s = last(history(a));
                    seen.set(s + " " + get(a, "/api/v1/nodes").get("nodes"));
                    return s != null
                            && s.get("connected").asInt() == 2
                            && s.get("disconnected").asInt() == 1
                            && s.get("updates_per_s").asDouble() > 0
                            && nodeRate(a, "hist-b") > 0;
                });
        // a's own client sent nothing since it registered: a reports no updates of its own.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeRate(a, "hist-a") == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> history(a).size() >= 4);
        Map<String, JsonNode> before = history(a);
        assertThat(redis.commands().zcard(FleetKeys.HISTORY)).isGreaterThanOrEqualTo(before.size());
        // Both nodes follow the one history in Redis: the same samples.
        await().atMost(Duration.ofSeconds(5)).until(() -> history(b).keySet().containsAll(before.keySet()));
        assertThat(history(b)).containsAllEntriesOf(before);

        Instant started = Instant.now();
        GatewayServer c = node("hist-c");
        await().atMost(Duration.ofSeconds(5)).until(() -> history(c).keySet().containsAll(before.keySet()));
        Map<String, JsonNode> late = history(c);
        assertThat(late).containsAllEntriesOf(before);
        assertThat(Instant.parse(late.keySet().iterator().next()))
                .as("the third node shows samples from before it started")
                .isBefore(started.minusSeconds(2));
        assertThat(get(c, "/api/v1/fleet/history").get("interval_s").asInt()).isEqualTo(1);
    }
}
