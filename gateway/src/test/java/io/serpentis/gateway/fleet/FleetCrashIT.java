package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.RedisWatcher;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A crashed node's clients go offline exactly once, truthfully (issue 13, point 5), on a standalone Redis with the
 * default lease (10 s), grace (2 s) and heartbeat (1 s): after {@code kill -9} a surviving node marks each client
 * disconnected within 30 s, with {@code Gateway node lost} and {@code disconnect_time} the client's last sign of
 * life (never the time of the clean-up), each record going offline once; the survivor's {@code /api/v1/nodes} shows
 * the node lost, and its meters count one lost node and every client. A node restarted under the same id after a
 * crash marks the clients of its previous life offline before it serves, at their last sign of life too.
 */
class FleetCrashIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The heartbeat interval: a node's last heartbeat is at most this long before its crash. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** Clocks and scheduling on a shared box: what the bounds may be off by. */
    private static final Duration SLACK = Duration.ofSeconds(1);

    private static FleetHarness fleet;
    private final List<WsTestClient> sockets = new ArrayList<>();
    private RedisWatcher watcher;

    @BeforeAll
    static void startFleet() {
        fleet = new FleetHarness("--redis-url", redis.url());
    }

    @AfterAll
    static void stopFleet() {
        fleet.close();
    }

    @AfterEach
    void closeSockets() {
        sockets.forEach(WsTestClient::abort);
        if (watcher != null) {
            watcher.close();
        }
    }

    private List<String> register(GatewayProcess node, String prefix, int n) {
        List<String> ids = IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
        for (String id : ids) {
            WsTestClient c = WsTestClient.connect(node.wsUri());
            assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"n\": 1}}"))
                    .contains("message_processed");
            sockets.add(c);
        }
        return ids;
    }

    private static Map<String, String> record(String id) {
        return redis.commands().hgetall("client:" + id + ":status");
    }

    private static void awaitConnectedOn(List<String> ids, String node) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(record(id)).as(id).containsEntry("connected", "true").containsEntry("gateway_node", node);
            }
        });
    }

    private static JsonNode nodes(GatewayProcess node) {
        return JSON.readTree(
                new HttpTestClient(node.httpUri()).get("/api/v1/nodes").body());
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.path("node_id").asString()));
        return ids;
    }

    @Test
    void aKilledNodesClientsGoOfflineOnceWithinTheBoundAtTheirLastSignOfLife() throws Exception {
        GatewayProcess a = fleet.start("crash-a");
        GatewayProcess b = fleet.start("crash-b");
        List<String> clients = register(a, "lost-", 20);
        watcher = new RedisWatcher(redis.commands(), clients);
        awaitConnectedOn(clients, "crash-a");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ids(nodes(b).path("nodes")).contains("crash-a"));
        PrometheusText before = PrometheusText.scrape(b.httpUri());

        Instant killed = Instant.now();
        fleet.kill("crash-a");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (String id : clients) {
                        assertThat(record(id))
                                .as(id)
                                .containsEntry("connected", "false")
                                .containsEntry("status_detail", "Gateway node lost");
                    }
                });
        Duration took = Duration.between(killed, Instant.now());
        System.out.printf("FleetCrashIT: 20 clients of a killed node offline %d ms after the kill%n", took.toMillis());

        for (String id : clients) {
            Instant at = Instant.parse(record(id).get("disconnect_time"));
            assertThat(at)
                    .as(id + ": its last sign of life, not the clean-up")
                    .isBetween(killed.minus(HEARTBEAT).minus(SLACK), killed.plus(SLACK));
        }
        // Exactly once: every record went offline once and stays so; the survivor counts one lost node, 20 clients.
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> clients.stream()
                        .allMatch(id -> "false".equals(record(id).get("connected"))));
        for (String id : clients) {
            assertThat(watcher.wentOffline(id)).as(id + " went offline").isEqualTo(1);
        }
        assertThat(watcher.regressions()).isEmpty();
        PrometheusText after = PrometheusText.scrape(b.httpUri());
        assertThat(PrometheusText.delta(before, after, "gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                .isEqualTo(1.0);
        assertThat(PrometheusText.delta(before, after, "gateway_fleet_clients_reaped_total"))
                .isEqualTo(20.0);
        assertThat(PrometheusText.delta(before, after, "gateway_fleet_detection_seconds_count"))
                .isEqualTo(20.0);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode view = nodes(b);
            assertThat(ids(view.path("nodes"))).containsExactly("crash-b");
            JsonNode lost = view.path("lost").get(0);
            assertThat(lost.path("node_id").asString()).isEqualTo("crash-a");
            assertThat(lost.path("why").asString()).isEqualTo("lease_expired");
            assertThat(lost.path("clients_reaped").asInt()).isEqualTo(20);
            assertThat(lost.path("recorded_by").asString()).isEqualTo("crash-b");
        });
        fleet.terminate("crash-b");
    }

    @Test
    void aNodeRestartedUnderItsIdMarksItsPreviousClientsOfflineBeforeItServes() throws Exception {
        GatewayProcess c = fleet.start("crash-c");
        List<String> clients = register(c, "again-", 5);
        awaitConnectedOn(clients, "crash-c");
        String lastSeen = record("again-0").get("last_seen");

        Instant killed = Instant.now();
        fleet.kill("crash-c");
        sockets.forEach(WsTestClient::abort);
        // Restarted at once: the previous life's lease is still valid, its heartbeat does not move: taken over.
        fleet.start("crash-c");
        for (String id : clients) {
            Map<String, String> r = record(id);
            assertThat(r)
                    .as(id + ", as soon as the new life listens")
                    .containsEntry("connected", "false")
                    .containsEntry("status_detail", "Gateway restarted");
            Instant at = Instant.parse(r.get("disconnect_time"));
            assertThat(at)
                    .as(id + ": its last sign of life, not the restart")
                    .isBetween(killed.minus(HEARTBEAT).minus(SLACK), killed.plus(SLACK));
            assertThat(r.get("disconnect_time")).isGreaterThanOrEqualTo(lastSeen);
        }
        fleet.terminate("crash-c");
    }
}
