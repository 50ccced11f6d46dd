package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.protocol.CommandType;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.testing.DashboardWatcher;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One picture of the fleet on every node, as users see it (issue 13 point 1), on a standalone Redis with gateway
 * processes: what a client does on one node reaches a dashboard on another within the feed's latency; every node
 * lists every client with the node that holds it; a node whose subscription Redis dropped, or a node that joins
 * late, has the right picture within seconds; and a dead node's clients show offline on every node's dashboard.
 * Cross-node commands: {@link FleetCommandsIT}.
 */
class FleetViewIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Short membership timers, so that a dead node is declared lost within a few seconds. */
    static final String[] FAST = {
        "--fleet-heartbeat-interval", "500ms", "--fleet-lease", "2s", "--fleet-reap-grace", "1s"
    };

    private FleetHarness fleet;
    private final List<WsTestClient> sockets = new ArrayList<>();
    private final List<DashboardWatcher> watchers = new ArrayList<>();

    @BeforeEach
    void harness() {
        fleet = new FleetHarness("--redis-url", redis.url());
    }

    @AfterEach
    void stop() {
        watchers.forEach(DashboardWatcher::close);
        sockets.forEach(WsTestClient::abort);
        fleet.close();
    }

    private WsTestClient client(GatewayProcess node, String id, String status) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        sockets.add(c);
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": " + status + "}"))
                .contains("message_processed");
        return c;
    }

    private DashboardWatcher watch(GatewayProcess node) {
        DashboardWatcher w = DashboardWatcher.watch(node.httpUri());
        watchers.add(w);
        return w;
    }

    /** {@code GET /api/v1/clients?state=connected&limit=1000} on {@code node}: id to record. */
    static Map<String, JsonNode> connected(GatewayProcess node) {
        JsonNode page = JSON.readTree(new HttpTestClient(node.httpUri())
                .get("/api/v1/clients?state=connected&limit=1000")
                .body());
        Map<String, JsonNode> out = new HashMap<>();
        page.path("clients").forEach(c -> out.put(c.path("client_id").asString(), c));
        return out;
    }

    /** Waits until every node in {@code nodes} lists each of {@code held} as connected through its node. */
    static void everyNodeLists(Map<String, String> held, Duration within, GatewayProcess... nodes) {
        for (GatewayProcess node : nodes) {
            await().atMost(within).untilAsserted(() -> {
                Map<String, JsonNode> listed = connected(node);
                for (Map.Entry<String, String> e : held.entrySet()) {
                    assertThat(listed)
                            .as("node on port " + node.port() + " lists " + e.getKey())
                            .containsKey(e.getKey());
                    assertThat(listed.get(e.getKey())
                                    .path("fields")
                                    .path("gateway_node")
                                    .asString())
                            .isEqualTo(e.getValue());
                    assertThat(listed.get(e.getKey()).path("connected").asBoolean())
                            .isTrue();
                }
            });
        }
    }

    @Test
    void aChangeOnOneNodeReachesADashboardOnAnotherAndEveryNodeListsEveryClientWithItsNode() throws Exception {
        GatewayProcess a = fleet.start("gw-a");
        GatewayProcess b = fleet.start("gw-b");
        DashboardWatcher onB = watch(b);
        WsTestClient worker = client(a, "view-a1", "{\"n\": 0}");
        client(a, "view-a2", "{\"n\": 0}");
        client(b, "view-b1", "{\"n\": 0}");

        Map<String, String> held = Map.of("view-a1", "gw-a", "view-a2", "gw-a", "view-b1", "gw-b");
        everyNodeLists(held, Duration.ofSeconds(10), a, b);
        onB.await("view-a1", "connected", "true", Duration.ofSeconds(10));

        // Each update acknowledged on A shows on B's dashboard within the feed's latency (publish interval,
        // Redis, B's dashboard tick): measured here with a generous bound, its p99 in the benchmarks.
        List<Long> millis = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            String n = Integer.toString(i);
            long sent = System.nanoTime();
            worker.request("{\"client_id\": \"view-a1\", \"status\": {\"n\": " + n + "}}");
            long shown = onB.await("view-a1", "n", n, Duration.ofSeconds(5));
            millis.add(TimeUnit.NANOSECONDS.toMillis(shown - sent));
        }
        millis.sort(null);
        assertThat(millis.get(millis.size() / 2))
                .as("median ack-to-dashboard on another node, ms: " + millis)
                .isLessThan(500);
        assertThat(onB.problems()).isEmpty();

        // Every read of every node: the list, the detail and /statuses show the fleet, counts fleet-wide.
        for (GatewayProcess node : List.of(a, b)) {
            HttpTestClient http = new HttpTestClient(node.httpUri());
            JsonNode page =
                    JSON.readTree(http.get("/api/v1/clients?state=connected").body());
            assertThat(page.path("matched").asInt()).isEqualTo(3);
            assertThat(page.path("counts").path("connected").asInt()).isEqualTo(3);
            JsonNode detail = JSON.readTree(http.get("/api/v1/clients/view-b1").body());
            assertThat(detail.path("connected").asBoolean()).isTrue();
            assertThat(detail.path("fields").path("gateway_node").asString()).isEqualTo("gw-b");
            JsonNode statuses = http.statuses();
            assertThat(statuses.path("clients")
                            .path("view-a1")
                            .path("gateway_node")
                            .asString())
                    .isEqualTo("gw-a");
            assertThat(statuses.path("clients").path("view-a1").path("n").asString())
                    .isEqualTo("20");
        }
        assertThat(onB.connectedCount())
                .as("the dashboard's counts are the fleet's")
                .isEqualTo(3);

        // A client that leaves node A shows disconnected on B, with why.
        worker.close(1000, "bye");
        onB.await(
                "view-a1",
                f -> "false".equals(f.get("connected")) && "Disconnected by client".equals(f.get("status_detail")),
                Duration.ofSeconds(5));
    }

    @Test
    void aClientThatReconnectsToAnotherNodeMovesInEveryPicture() throws Exception {
        GatewayProcess a = fleet.start("gw-a");
        GatewayProcess b = fleet.start("gw-b");
        DashboardWatcher onA = watch(a);
        DashboardWatcher onB = watch(b);
        WsTestClient first = client(a, "mover", "{\"where\": \"a\"}");
        onB.await("mover", "gateway_node", "gw-a", Duration.ofSeconds(10));

        client(b, "mover", "{\"where\": \"b\"}");
        assertThat(first.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4001);
        for (DashboardWatcher w : List.of(onA, onB)) {
            w.await(
                    "mover",
                    f -> "gw-b".equals(f.get("gateway_node"))
                            && "b".equals(f.get("where"))
                            && "true".equals(f.get("connected")),
                    Duration.ofSeconds(5));
        }
        // The old node's end of the old connection is not a disconnect: the client stays connected everywhere.
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> "true".equals(onA.client("mover").get("connected"))
                        && "gw-b".equals(onA.client("mover").get("gateway_node")));
        everyNodeLists(Map.of("mover", "gw-b"), Duration.ofSeconds(5), a, b);
    }

    @Test
    void aNodeWhoseSubscriptionRedisDroppedIsRightAgainWithinSecondsAndCountsTheResync() throws Exception {
        // gw-b reaches Redis as a user of its own, so that its subscriptions alone can be cut (CLIENT KILL TYPE
        // pubsub, and no new ones until the ACL allows them again): what gw-a publishes meanwhile never reaches
        // gw-b, whose view can only be right again by reading Redis.
        redis.commands()
                .aclSetuser(
                        "view-b",
                        AclSetuserArgs.Builder.on()
                                .addPassword("secret")
                                .allKeys()
                                .allChannels()
                                .allCommands());
        GatewayProcess a = fleet.start("gw-a");
        FleetHarness other = new FleetHarness("--redis-url", redis.url().replace("redis://", "redis://view-b:secret@"));
        try {
            GatewayProcess b = other.start("gw-b");
            WsTestClient worker = client(a, "cut-1", "{\"n\": 0}");
            everyNodeLists(Map.of("cut-1", "gw-a"), Duration.ofSeconds(10), b);
            PrometheusText before = PrometheusText.scrape(b.httpUri());

            redis.commands()
                    .aclSetuser(
                            "view-b",
                            AclSetuserArgs.Builder.on()
                                    .addPassword("secret")
                                    .allKeys()
                                    .allChannels()
                                    .allCommands()
                                    .removeCommand(CommandType.SUBSCRIBE)
                                    .removeCommand(CommandType.SSUBSCRIBE)
                                    .removeCommand(CommandType.PSUBSCRIBE));
            assertThat(redis.commands().clientKill(KillArgs.Builder.typePubsub().user("view-b")))
                    .isPositive();
            for (int i = 1; i <= 5; i++) {
                worker.request("{\"client_id\": \"cut-1\", \"status\": {\"n\": " + i + "}}");
            }
            client(a, "cut-2", "{\"n\": 0}");
            HttpTestClient onB = new HttpTestClient(b.httpUri());
            Thread.sleep(1000); // the cut lasts a while (gw-b may read Redis meanwhile: its connection dropped)
            redis.commands()
                    .aclSetuser(
                            "view-b",
                            AclSetuserArgs.Builder.on()
                                    .addPassword("secret")
                                    .allKeys()
                                    .allChannels()
                                    .allCommands());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode statuses = onB.statuses();
                assertThat(statuses.path("clients").path("cut-1").path("n").asString())
                        .isEqualTo("5");
                assertThat(statuses.path("clients")
                                .path("cut-2")
                                .path("gateway_node")
                                .asString())
                        .isEqualTo("gw-a");
            });
            PrometheusText after = PrometheusText.scrape(b.httpUri());
            double resyncs = 0;
            for (String reason : List.of("seq_gap", "subscribed", "silent", "feed_seq")) {
                resyncs += PrometheusText.delta(before, after, "gateway_fleet_resyncs_total", "reason", reason);
            }
            assertThat(resyncs).as("resyncs after the drop").isGreaterThanOrEqualTo(1);
        } finally {
            other.close();
            redis.commands().aclDeluser("view-b");
        }
    }

    @Test
    void aNodeThatJoinsLateSeesTheWholeFleetAtOnce() throws Exception {
        GatewayProcess a = fleet.start("gw-a");
        GatewayProcess b = fleet.start("gw-b");
        Map<String, String> held = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            GatewayProcess node = i % 2 == 0 ? a : b;
            String id = "late-" + i;
            client(node, id, "{\"i\": " + i + "}");
            held.put(id, node == a ? "gw-a" : "gw-b");
        }
        everyNodeLists(held, Duration.ofSeconds(10), a, b);

        long started = System.nanoTime();
        GatewayProcess c = fleet.start("gw-c");
        JsonNode first = JSON.readTree(new HttpTestClient(c.httpUri())
                .get("/api/v1/clients?state=connected")
                .body());
        assertThat(first.path("matched").asInt())
                .as("listed by the new node as soon as it answers")
                .isEqualTo(30);
        everyNodeLists(held, Duration.ofSeconds(5), c);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aClientThatCameAndWentOnANodeBeforeAPeerFollowedItShowsThereAsGone() throws Exception {
        // gw-b is stopped (SIGSTOP) while gw-a joins and a client comes and goes on gw-a, so gw-b follows gw-a's feed
        // only after the client left gw-a's client set. The long lease keeps gw-b a member meanwhile.
        String[] longLease = {"--fleet-lease", "60s"};
        GatewayProcess b = fleet.start("gw-b", longLease);
        fleet.pause("gw-b");
        GatewayProcess a = fleet.start("gw-a", longLease);
        client(a, "brief-1", "{\"k\": \"v\"}").close(1000, "done");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "false".equals(redis.commands().hget("client:brief-1:status", "connected")));
        assertThat(redis.commands().sismember(FleetKeys.clients("gw-a"), "brief-1"))
                .as("gone from gw-a's client set, so a read of the set alone cannot find it")
                .isFalse();

        fleet.resume("gw-b");
        HttpTestClient onB = new HttpTestClient(b.httpUri());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode detail = JSON.readTree(onB.get("/api/v1/clients/brief-1").body());
            assertThat(detail.path("connected").asBoolean(true))
                    .as(detail.toString())
                    .isFalse();
            assertThat(detail.path("fields").path("gateway_node").asString()).isEqualTo("gw-a");
            assertThat(detail.path("fields").path("k").asString()).isEqualTo("v");
        });
    }

    @Test
    void aNodeThatStopsGracefullyShowsItsClientsEndsOnTheOtherNodesDashboardAtOnce() throws Exception {
        // A lease far longer than the wait below: the change can only come from gw-a's own goodbye, never from
        // another node reaping gw-a after its lease ran out. No timing is asserted (CI machines are noisy).
        String[] longLease = {"--fleet-lease", "60s"};
        GatewayProcess a = fleet.start("gw-a", longLease);
        GatewayProcess b = fleet.start("gw-b", longLease);
        client(a, "drain-1", "{\"k\": \"v\"}");
        DashboardWatcher onB = watch(b);
        onB.await("drain-1", "connected", "true", Duration.ofSeconds(10));

        fleet.terminate("gw-a");
        onB.await(
                "drain-1",
                f -> "false".equals(f.get("connected")) && "Gateway shutting down".equals(f.get("status_detail")),
                Duration.ofSeconds(30));
        assertThat(a.waitFor(15)).isTrue();
    }

    @Test
    void aDeadNodesClientsShowOfflineOnEveryOtherNodesDashboard() throws Exception {
        GatewayProcess a = fleet.start("gw-a", FAST);
        GatewayProcess b = fleet.start("gw-b", FAST);
        GatewayProcess c = fleet.start("gw-c", FAST);
        List<String> ids = List.of("dead-1", "dead-2", "dead-3");
        for (String id : ids) {
            client(a, id, "{\"k\": \"v\"}");
        }
        DashboardWatcher onB = watch(b);
        DashboardWatcher onC = watch(c);
        for (String id : ids) {
            onB.await(id, "connected", "true", Duration.ofSeconds(10));
            onC.await(id, "connected", "true", Duration.ofSeconds(10));
        }

        fleet.kill("gw-a");
        long killed = System.nanoTime();
        for (DashboardWatcher w : List.of(onB, onC)) {
            for (String id : ids) {
                long shown = w.await(
                        id,
                        f -> "false".equals(f.get("connected")) && "Gateway node lost".equals(f.get("status_detail")),
                        Duration.ofSeconds(30));
                assertThat(Duration.ofNanos(shown - killed)).isLessThan(Duration.ofSeconds(30));
            }
        }
        for (GatewayProcess node : List.of(b, c)) {
            JsonNode page = JSON.readTree(new HttpTestClient(node.httpUri())
                    .get("/api/v1/clients?state=connected")
                    .body());
            assertThat(page.path("matched").asInt()).isZero();
        }
    }
}
