package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisSentinelExtension;
import io.serpentis.gateway.testing.RedisWatcher;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the Redis master under a two-node fleet behind Sentinel (one master, one replica, three
 * sentinels), right after every client's last status was acknowledged: the replica is promoted (every node's lease
 * lapses alike meanwhile), and what users see is that nothing happened. No client is ever shown offline, no node is
 * declared lost, no socket is closed, and every acknowledged status is in Redis afterwards, on its node, even those
 * the promoted replica had not received (the nodes write their records back after the failover).
 */
class FleetFailoverIT {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    private final FleetHarness fleet = new FleetHarness("--redis-url", sentinel.url());
    private final List<WsTestClient> sockets = new ArrayList<>();
    private RedisWatcher watcher;

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
        sockets.forEach(WsTestClient::abort);
        fleet.close();
    }

    @Test
    void aMasterKilledUnderTheFleetLosesNoClientAndNoAcknowledgedStatus() throws Exception {
        GatewayProcess a = fleet.start("fo-a");
        GatewayProcess b = fleet.start("fo-b");
        List<String> onA = FleetScenarios.register(a, "fo-a-", 5, sockets);
        List<String> onB = FleetScenarios.register(b, "fo-b-", 5, sockets);
        FleetScenarios.awaitConnected(sentinel.commands(), onA, "fo-a");
        FleetScenarios.awaitConnected(sentinel.commands(), onB, "fo-b");
        List<String> all = new ArrayList<>(onA);
        all.addAll(onB);
        watcher = new RedisWatcher(sentinel.commands(), all);

        // The last statuses before the crash: acknowledged, perhaps not yet on the replica.
        for (int i = 0; i < all.size(); i++) {
            assertThat(sockets.get(i).request("{\"client_id\": \"" + all.get(i) + "\", \"status\": {\"step\": 7}}"))
                    .contains("message_processed");
        }
        Duration failover = sentinel.killMaster();

        await().atMost(Duration.ofSeconds(40)).ignoreExceptions().untilAsserted(() -> {
            for (String id : all) {
                Map<String, String> r = FleetScenarios.record(sentinel.commands(), id);
                assertThat(r)
                        .as(id + " after the failover")
                        .containsEntry("connected", "true")
                        .containsEntry("step", "7")
                        .containsEntry("gateway_node", id.startsWith("fo-a-") ? "fo-a" : "fo-b");
            }
        });
        // A few heartbeats more: the reapers have had every chance to (wrongly) act.
        Thread.sleep(5_000);
        // Not asserted: a promoted replica may hold an older version of a record for a moment (asynchronous
        // replication) until its node writes it back; printed so that a run shows how often that happened.
        System.out.printf(
                "FleetFailoverIT: Sentinel promoted the replica in %d ms; records seen older for a moment: %d%n",
                failover.toMillis(), watcher.regressions().size());
        assertThat(watcher.everOffline()).as("clients ever shown offline").isEmpty();
        for (GatewayProcess node : List.of(a, b)) {
            PrometheusText m = PrometheusText.scrape(node.httpUri());
            assertThat(m.value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                    .as("nodes declared lost by " + node.port())
                    .isZero();
            assertThat(m.value("gateway_fleet_members", "state", "live")).isEqualTo(2.0);
        }
        assertThat(sockets).noneMatch(WsTestClient::isClosed);
        for (int i = 0; i < all.size(); i++) {
            assertThat(sockets.get(i).request("{\"client_id\": \"" + all.get(i) + "\", \"status\": {\"step\": 8}}"))
                    .as("the connection still serves")
                    .contains("message_processed");
        }
    }
}
