package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.KillArgs;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One owner per client across a fleet of two gateway processes on one Redis (issue 13, point 4), as users see it:
 * a client that reconnects to another node is owned there (its record in Redis names that node, with that node's
 * data), its old connection is closed with 4001 within a second even when the client is quiet, and the old node
 * never writes the record again; not even when it was paused while the client moved, and wakes up with updates of
 * the old connection still to write (Redis refuses them: fencing).
 */
class FleetOwnershipIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static FleetHarness fleet;
    private static GatewayProcess a;
    private static GatewayProcess b;

    private final List<WsTestClient> sockets = new ArrayList<>();
    private RedisWatcher watcher;

    @BeforeAll
    static void startFleet() throws Exception {
        fleet = new FleetHarness("--redis-url", redis.url());
        a = fleet.start("gw-a");
        b = fleet.start("gw-b");
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

    private WsTestClient connect(GatewayProcess node) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        sockets.add(c);
        return c;
    }

    private static String status(String id, String json) {
        return "{\"client_id\": \"" + id + "\", \"status\": " + json + "}";
    }

    private static Map<String, String> record(String id) {
        return redis.commands().hgetall("client:" + id + ":status");
    }

    /** Once {@code node} owns {@code id} in Redis, it stays so for {@code during}, whatever else happens. */
    private static void ownedBy(String id, String node, Duration during) {
        await().during(during)
                .atMost(during.plusSeconds(10))
                .until(() -> node.equals(record(id).get("gateway_node")));
    }

    /** The node named in the watched history never goes back to {@code old} once {@code now} owned the record. */
    private void neverBackTo(String id, String old, String now) {
        boolean moved = false;
        for (RedisWatcher.Look l : watcher.history(id)) {
            moved |= now.equals(l.node());
            assertThat(moved && old.equals(l.node()))
                    .as(id + " written by " + old + " after " + now + " owned it: " + watcher.history(id))
                    .isFalse();
        }
        assertThat(moved).as(id + " seen owned by " + now).isTrue();
        assertThat(watcher.regressions())
                .as("records that went back to an older (epoch, version)")
                .isEmpty();
    }

    @Test
    void aClientThatReconnectsElsewhereIsOwnedThereAndItsQuietOldConnectionClosesWithin1s() {
        watcher = new RedisWatcher(redis.commands(), List.of("mover"));
        WsTestClient onA = connect(a);
        assertThat(onA.request(status("mover", "{\"where\": \"a\"}"))).contains("message_processed");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "gw-a".equals(record("mover").get("gateway_node")));

        WsTestClient onB = connect(b);
        assertThat(onB.request(status("mover", "{\"where\": \"b\"}"))).contains("message_processed");
        long acked = System.nanoTime();
        // The client says nothing more on its old connection: nothing of gw-a's could be fenced; gw-b's claim tells
        // gw-a to let go.
        WsTestClient.Close close = onA.awaitClose(Duration.ofSeconds(5));
        Duration took = Duration.ofNanos(System.nanoTime() - acked);
        assertThat(close.code()).isEqualTo(4001);
        assertThat(took)
                .as("the old connection closed within 1 s of the new one's ack")
                .isLessThan(Duration.ofSeconds(1));

        assertThat(onB.request(status("mover", "{\"seq\": 1}"))).contains("message_processed");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(record("mover"))
                        .containsEntry("gateway_node", "gw-b")
                        .containsEntry("where", "b")
                        .containsEntry("seq", "1")
                        .containsEntry("connected", "true"));
        ownedBy("mover", "gw-b", Duration.ofSeconds(2));
        neverBackTo("mover", "gw-a", "gw-b");
        assertThat(onB.isClosed()).as("the new connection stays").isFalse();
    }

    @Test
    void aNodePausedWhileItsClientMovedWakesUpFencedAndClosesItsStaleConnection() throws Exception {
        watcher = new RedisWatcher(redis.commands(), List.of("sleeper"));
        WsTestClient onA = connect(a);
        assertThat(onA.request(status("sleeper", "{\"seq\": 0}"))).contains("message_processed");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "0".equals(record("sleeper").get("seq")));

        fleet.pause("gw-a");
        try {
            // Updates on the old connection wait in gw-a's socket buffer: gw-a writes them when it wakes up.
            for (int seq = 1; seq <= 3; seq++) {
                onA.send(status("sleeper", "{\"seq\": " + seq + ", \"stale\": true}"));
            }
            WsTestClient onB = connect(b);
            assertThat(onB.request(status("sleeper", "{\"seq\": 100}"))).contains("message_processed");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(record("sleeper"))
                            .containsEntry("gateway_node", "gw-b")
                            .containsEntry("seq", "100"));
        } finally {
            fleet.resume("gw-a");
        }

        assertThat(onA.awaitClose(Duration.ofSeconds(10)).code())
                .as("the stale connection, once gw-a woke up")
                .isEqualTo(4001);
        ownedBy("sleeper", "gw-b", Duration.ofSeconds(2));
        assertThat(record("sleeper")).containsEntry("seq", "100").doesNotContainKey("stale");
        neverBackTo("sleeper", "gw-a", "gw-b");
    }

    @Test
    void kicksStillArriveAfterRedisDroppedTheNodesSubscriptions() {
        WsTestClient onA = connect(a);
        assertThat(onA.request(status("resub", "{\"n\": 1}"))).contains("message_processed");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "gw-a".equals(record("resub").get("gateway_node")));

        redis.commands().clientKill(KillArgs.Builder.typePubsub()); // every node's subscriptions dropped
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            PrometheusText m = PrometheusText.scrape(a.httpUri());
            assertThat(m.value("gateway_fleet_subscriptions", "state", "confirmed"))
                    .isEqualTo(m.value("gateway_fleet_subscriptions", "state", "wanted"))
                    .isPositive();
        });

        WsTestClient onB = connect(b);
        assertThat(onB.request(status("resub", "{\"n\": 2}"))).contains("message_processed");
        // Only the new owner's message to gw-a, through the resubscribed inbox, can close the quiet old connection.
        assertThat(onA.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4001);
    }
}
