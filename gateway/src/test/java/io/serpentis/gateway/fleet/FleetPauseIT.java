package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.RedisWatcher;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * No live client is ever shown offline, and a node the fleet declared lost comes back (issue 13, point 5), with two
 * gateway processes on a standalone Redis and the default lease (10 s): a node paused ({@code SIGSTOP}) for 5 s
 * loses no client; Redis paused for everyone ({@code CLIENT PAUSE 10000 ALL}) loses none either (nobody declares
 * anybody lost until everyone could renew); a node paused for 20 s is declared lost while stopped, and once resumed
 * its connections that are still open are online again within seconds, under a new life and a newer epoch, while a
 * client that moved to the other node meanwhile gets 4001 there. No record ever goes back to an older version.
 */
class FleetPauseIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static FleetHarness fleet;
    private static GatewayProcess a;
    private static GatewayProcess b;
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
    void stopNodes() {
        sockets.forEach(WsTestClient::abort);
        sockets.clear();
        if (watcher != null) {
            watcher.close();
        }
        fleet.close();
    }

    private void startNodes() throws Exception {
        a = fleet.start("pause-a");
        b = fleet.start("pause-b");
    }

    private List<String> register(GatewayProcess node, String prefix, int n) {
        List<String> ids = IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
        for (String id : ids) {
            WsTestClient c = WsTestClient.connect(node.wsUri());
            assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"n\": 1}}"))
                    .contains("message_processed");
            sockets.add(c);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        ids.stream().allMatch(id -> "true".equals(record(id).get("connected"))));
        return ids;
    }

    private static Map<String, String> record(String id) {
        return redis.commands().hgetall("client:" + id + ":status");
    }

    /** Nothing was ever seen offline, and nothing went back to an older version. */
    private void neverOffline() {
        assertThat(watcher.everOffline()).as("clients ever shown offline").isEmpty();
        assertThat(watcher.regressions()).isEmpty();
    }

    @Test
    void aNodePausedForLessThanItsLeaseLosesNoClient() throws Exception {
        startNodes();
        List<String> clients = register(a, "short-", 10);
        watcher = new RedisWatcher(redis.commands(), clients);
        fleet.pause("pause-a");
        try {
            Thread.sleep(5_000); // the fault itself: SIGSTOP for 5 s
        } finally {
            fleet.resume("pause-a");
        }
        // Past the moment the lease would have ended and been reaped, had the node not renewed it.
        await().during(Duration.ofSeconds(10))
                .atMost(Duration.ofSeconds(15))
                .until(() ->
                        clients.stream().allMatch(id -> "true".equals(record(id).get("connected"))));
        neverOffline();
        assertThat(PrometheusText.scrape(b.httpUri())
                        .value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                .isZero();
        assertThat(sockets).noneMatch(WsTestClient::isClosed);
    }

    @Test
    void redisPausedForEveryoneMarksNoClientOffline() throws Exception {
        startNodes();
        List<String> clients = register(a, "stall-", 10);
        watcher = new RedisWatcher(redis.commands(), clients);
        redis.commands().clientPause(10_000); // every command of every client waits 10 s (ALL)
        // Every lease lapses during the stall: nobody may reap until everybody renewed for a whole lease.
        await().pollDelay(Duration.ofSeconds(10))
                .during(Duration.ofSeconds(8))
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        clients.stream().allMatch(id -> "true".equals(record(id).get("connected"))));
        neverOffline();
        for (GatewayProcess node : List.of(a, b)) {
            assertThat(PrometheusText.scrape(node.httpUri())
                            .value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                    .isZero();
        }
        assertThat(sockets).noneMatch(WsTestClient::isClosed);
    }

    @Test
    void aNodePausedForLongerThanItsLeaseIsReapedThenTakesItsOpenConnectionsBack() throws Exception {
        startNodes();
        List<String> clients = register(a, "long-", 10);
        watcher = new RedisWatcher(redis.commands(), clients);
        String before = record("long-0").get("gateway_incarnation");
        long epochBefore = Long.parseLong(record("long-0").get("gateway_epoch"));
        WsTestClient moving = sockets.get(9);

        fleet.pause("pause-a");
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String id : clients) {
                    assertThat(record(id))
                            .as(id + ", while its node is stopped")
                            .containsEntry("connected", "false")
                            .containsEntry("status_detail", "Gateway node lost");
                }
            });
            // The last client gives up on its silent node and reconnects to the other one.
            WsTestClient onB = WsTestClient.connect(b.wsUri());
            sockets.add(onB);
            assertThat(onB.request("{\"client_id\": \"long-9\", \"status\": {\"n\": 2}}"))
                    .contains("message_processed");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "pause-b".equals(record("long-9").get("gateway_node"))
                            && "true".equals(record("long-9").get("connected")));
        } finally {
            fleet.resume("pause-a");
        }

        List<String> stayed = clients.subList(0, 9);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : stayed) {
                Map<String, String> r = record(id);
                assertThat(r)
                        .as(id + ", its connection still open on the resumed node")
                        .containsEntry("connected", "true")
                        .containsEntry("gateway_node", "pause-a");
                assertThat(r.get("gateway_incarnation")).as("a new life").isNotEqualTo(before);
                assertThat(Long.parseLong(r.get("gateway_epoch"))).isGreaterThan(epochBefore + 1);
            }
        });
        assertThat(moving.awaitClose(Duration.ofSeconds(10)).code())
                .as("moved meanwhile: the old connection")
                .isEqualTo(4001);
        assertThat(record("long-9")).containsEntry("gateway_node", "pause-b").containsEntry("connected", "true");
        assertThat(watcher.regressions()).isEmpty();
        for (String id : stayed) {
            assertThat(watcher.wentOffline(id))
                    .as(id + ": offline once, while its node was lost")
                    .isEqualTo(1);
        }
        assertThat(sockets.subList(0, 9)).noneMatch(WsTestClient::isClosed);
    }
}
