package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A node's life in the fleet as operators see it (issue 13, points 2, 5 and 6): a second live gateway with the id of
 * a running one is refused at start with a clear error and exit code 1, and the running one is not disturbed; a
 * gateway stopped with SIGTERM records its clients' ends and leaves the fleet at once, its peer's
 * {@code GET /api/v1/nodes} shows it gone (left, not lost), and nobody waits for its lease to end.
 */
class FleetLifecycleIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static FleetHarness fleet;
    private final List<WsTestClient> sockets = new ArrayList<>();

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
        sockets.clear();
        fleet.close();
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
    void aSecondLiveGatewayWithTheSameNodeIdIsRefusedAndTheFirstIsUndisturbed() throws Exception {
        GatewayProcess first = fleet.start("same-id");
        WsTestClient c = WsTestClient.connect(first.wsUri());
        sockets.add(c);
        assertThat(c.request("{\"client_id\": \"dup-1\"}")).contains("message_processed");

        ExternalTools.Result second = fleet.run(Duration.ofSeconds(60), "same-id");
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.output())
                .contains("node id same-id is held by a live gateway (incarnation ")
                .contains("give each node a unique --node-id");

        assertThat(new HttpTestClient(first.httpUri()).get("/readyz").statusCode())
                .isEqualTo(200);
        assertThat(c.request("{\"client_id\": \"dup-1\", \"status\": {\"still\": \"here\"}}"))
                .contains("message_processed");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> "here".equals(redis.commands().hget("client:dup-1:status", "still")));
        assertThat(redis.commands().hget("client:dup-1:status", "connected")).isEqualTo("true");
    }

    @Test
    void aGracefulStopRecordsTheClientsEndsAndLeavesTheFleetAtOnce() throws Exception {
        GatewayProcess leaving = fleet.start("leave-e");
        GatewayProcess peer = fleet.start("leave-f");
        for (int i = 0; i < 5; i++) {
            WsTestClient c = WsTestClient.connect(leaving.wsUri());
            assertThat(c.request("{\"client_id\": \"end-" + i + "\"}")).contains("message_processed");
            sockets.add(c);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ids(nodes(peer).path("nodes")).contains("leave-e"));
        // What an operator's Prometheus sees on a healthy member: both nodes live, a fresh lease, every fleet
        // channel confirmed by Redis, not isolated.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText m = PrometheusText.scrape(peer.httpUri());
            assertThat(m.value("gateway_fleet_members", "state", "live")).isEqualTo(2.0);
            assertThat(m.value("gateway_fleet_members", "state", "stale")).isZero();
            assertThat(m.value("gateway_fleet_heartbeat_age_seconds")).isBetween(0.0, 2.0);
            assertThat(m.value("gateway_fleet_isolated")).isZero();
            assertThat(m.value("gateway_fleet_subscriptions", "state", "wanted"))
                    .isPositive();
            assertThat(m.value("gateway_fleet_subscriptions", "state", "confirmed"))
                    .isEqualTo(m.value("gateway_fleet_subscriptions", "state", "wanted"));
        });

        fleet.terminate("leave-e");
        for (WsTestClient c : sockets) {
            assertThat(c.awaitClose().code()).isEqualTo(1001);
        }
        assertThat(leaving.waitFor(30)).isTrue();
        long exited = System.nanoTime();
        // The peer sees it gone at its next heartbeat, not after a lease: left, not lost.
        await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
            JsonNode view = nodes(peer);
            assertThat(ids(view.path("nodes"))).containsExactly("leave-f");
            JsonNode gone = view.path("lost").get(0);
            assertThat(gone.path("node_id").asString()).isEqualTo("leave-e");
            assertThat(gone.path("why").asString()).isEqualTo("left");
        });
        System.out.printf(
                "FleetLifecycleIT: the peer saw the node leave %d ms after it exited%n",
                Duration.ofNanos(System.nanoTime() - exited).toMillis());
        for (int i = 0; i < 5; i++) {
            assertThat(redis.commands().hgetall("client:end-" + i + ":status"))
                    .containsEntry("connected", "false")
                    .containsEntry("status_detail", "Gateway shutting down");
        }
        assertThat(PrometheusText.scrape(peer.httpUri())
                        .value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                .as("nobody declared it lost")
                .isZero();
        assertThat(PrometheusText.scrape(peer.httpUri()).value("gateway_fleet_members", "state", "live"))
                .as("the peer's member table without it")
                .isEqualTo(1.0);
    }
}
