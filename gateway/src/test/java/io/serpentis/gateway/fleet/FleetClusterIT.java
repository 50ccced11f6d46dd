package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisClusterExtension;
import io.serpentis.gateway.testing.RedisProcess;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fleet on a Redis Cluster of three masters (one key per script call, shard channels): a client that moves
 * closes its old connection with 4001 within a second (the kick travels by {@code SPUBLISH} to the old node's inbox,
 * a shard channel on its slot's master), and after {@code kill -9} of a gateway a survivor marks its clients,
 * spread over every master, offline within 30 s at their last sign of life.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private final List<WsTestClient> sockets = new ArrayList<>();
    private FleetHarness fleet;

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        sockets.clear();
        if (fleet != null) {
            fleet.close();
        }
    }

    /**
     * Lettuce does not move shard subscriptions when a slot's master fails over (lettuce#3213): the node subscribes
     * its inbox again on the new master, and kicks keep arriving.
     */
    @Test
    @Order(1)
    void theInboxFollowsItsSlotToANewMasterAfterAFailover() throws Exception {
        cluster.flushAll();
        fleet = new FleetHarness("--redis-cluster", "--redis-url", cluster.seedUrl());
        GatewayProcess a = fleet.start("clu-f");
        GatewayProcess b = fleet.start("clu-g");
        RedisProcess inboxMaster = cluster.masterOf(FleetKeys.inbox("clu-f"));
        try {
            cluster.killMaster(inboxMaster);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                PrometheusText m = PrometheusText.scrape(a.httpUri());
                assertThat(m.value("gateway_fleet_resubscribes_total")).isPositive();
                assertThat(m.value("gateway_fleet_subscriptions", "state", "confirmed"))
                        .isEqualTo(m.value("gateway_fleet_subscriptions", "state", "wanted"));
            });
            List<String> ids = FleetScenarios.register(a, "w", 1, sockets);
            FleetScenarios.awaitConnected(cluster.commands(), ids, "clu-f");
            WsTestClient onB = WsTestClient.connect(b.wsUri());
            sockets.add(onB);
            assertThat(onB.request("{\"client_id\": \"w0\"}")).contains("message_processed");
            // The old client says nothing more: only the new owner's message to gw-a can close it. The 1 s figure
            // is FleetOwnershipIT's, on a quiet deployment; here a restarted master may still be settling.
            assertThat(sockets.get(0).awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4001);
        } finally {
            cluster.restart(inboxMaster);
        }
    }

    @Test
    @Order(2)
    void aMovedClientClosesItsOldConnectionAndAKilledGatewaysClientsGoOffline() throws Exception {
        cluster.flushAll();
        fleet = new FleetHarness("--redis-cluster", "--redis-url", cluster.seedUrl());
        GatewayProcess a = fleet.start("clu-a");
        GatewayProcess b = fleet.start("clu-b");
        List<String> clients = FleetScenarios.register(a, "w", 20, sockets);
        FleetScenarios.awaitConnected(cluster.commands(), clients, "clu-a");

        WsTestClient onB = WsTestClient.connect(b.wsUri());
        sockets.add(onB);
        assertThat(onB.request("{\"client_id\": \"w0\", \"status\": {\"n\": 2}}"))
                .contains("message_processed");
        assertThat(sockets.get(0).awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4001);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "clu-b"
                        .equals(FleetScenarios.record(cluster.commands(), "w0").get("gateway_node")));

        List<String> onA = clients.subList(1, clients.size());
        assertThat(onA.stream()
                        .map(id -> cluster.masterOf("client:" + id + ":status").port())
                        .distinct())
                .as("the lost clients' records live on every master")
                .hasSize(RedisClusterExtension.MASTERS);
        Duration took = FleetScenarios.killAndExpectOffline(fleet, "clu-a", cluster.commands(), onA);
        System.out.printf("FleetClusterIT: offline %d ms after the kill%n", took.toMillis());
        assertThat(FleetScenarios.record(cluster.commands(), "w0"))
                .as("moved: not touched")
                .containsEntry("connected", "true")
                .containsEntry("gateway_node", "clu-b");
    }
}
