package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.api.sync.RedisCommands;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Redis persistence against a real redis-server: the original's key layout, expiry, health, and the gateway
 * restarting on top of what Redis holds.
 */
class RedisPersistenceIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private GatewayServer gateway;

    @BeforeEach
    void startGateway() throws Exception {
        gateway = start("node-p");
    }

    /** A gateway on the test's Redis, closed after the test. */
    static GatewayServer start(String nodeId) throws Exception {
        return redis.startGateway(c -> c.withServer(s -> s.withNodeId(nodeId))
                .withRegistry(r -> new RegistryConfig(Duration.ofSeconds(2), Duration.ofMillis(200)))
                .withRedis(r -> r.withCommandTimeout(Duration.ofSeconds(1))));
    }

    /** The client's hash without the gateway's own fields, in Redis's order. */
    static Map<String, String> originalFields(RedisCommands<String, String> redis, String id) {
        Map<String, String> all = redis.hgetall(RedisStatusStore.key(id));
        Map<String, String> original = new LinkedHashMap<>(all);
        original.remove("gateway_version");
        original.remove("gateway_epoch");
        original.remove("gateway_incarnation");
        original.remove("gateway_node");
        original.remove("last_seen");
        return original;
    }

    @Test
    void writesTheOriginalsKeyLayout() {
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            assertThat(c.request("{\"client_id\": \"layout-1\", \"status\": {\"state\": \"idle\", \"n\": 42, "
                            + "\"f\": 3.5}}"))
                    .endsWith("\"redis_status\": \"connected\"}");
            String connectTime = gateway.registry().find("layout-1").snapshot().get("connect_time");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                // PROTOCOL.md section 5: one hash of string fields, insertion order of HSET, no TTL while live.
                assertThat(redis.commands().type("client:layout-1:status")).isEqualTo("hash");
                assertThat(originalFields(redis.commands(), "layout-1"))
                        .containsExactly(
                                Map.entry("state", "idle"),
                                Map.entry("n", "42"),
                                Map.entry("f", "3.5"),
                                Map.entry("connected", "true"),
                                Map.entry("connect_time", connectTime));
                assertThat(redis.commands().ttl("client:layout-1:status")).isEqualTo(-1);
            });
            Map<String, String> all = redis.commands().hgetall("client:layout-1:status");
            assertThat(all).containsEntry("gateway_node", "node-p").containsKeys("last_seen", "gateway_version");
            assertThat(redis.commands().zscore(RedisStatusStore.INDEX_KEY, "layout-1"))
                    .isEqualTo(Double.POSITIVE_INFINITY);
            c.close(1000, "");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<String, String> gone = originalFields(redis.commands(), "layout-1");
            assertThat(gone)
                    .containsEntry("connected", "false")
                    .containsEntry("status_detail", "Disconnected by client")
                    .containsKey("disconnect_time");
            assertThat(redis.commands().pttl("client:layout-1:status")).isBetween(1L, 2000L);
        });
    }

    /**
     * A live client's update is a plain HSET; when its record vanished behind the gateway's back (a DEL, an
     * eviction), that HSET finds every field new and the whole record is written again, index entry included.
     */
    @Test
    void rewritesARecordThatVanishedBehindItsBackInFull() {
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            c.request("{\"client_id\": \"vanish\", \"status\": {\"a\": \"1\", \"b\": \"2\"}}");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(redis.commands().hget("client:vanish:status", "b"))
                            .isEqualTo("2"));
            redis.commands().del("client:vanish:status");
            redis.commands().zrem(RedisStatusStore.INDEX_KEY, "vanish");
            c.request("{\"client_id\": \"vanish\", \"status\": {\"a\": \"3\"}}");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Map<String, String> hash = redis.commands().hgetall("client:vanish:status");
                assertThat(hash)
                        .containsEntry("a", "3")
                        .containsEntry("b", "2")
                        .containsEntry("connected", "true")
                        .containsKeys("connect_time", "gateway_node");
                assertThat(redis.commands().zscore(RedisStatusStore.INDEX_KEY, "vanish"))
                        .isEqualTo(Double.POSITIVE_INFINITY);
            });
            assertThat(originalFields(redis.commands(), "vanish"))
                    .isEqualTo(
                            withoutServerOnly(gateway.registry().find("vanish").snapshot()));
        }
    }

    private static Map<String, String> withoutServerOnly(ClientSnapshot snapshot) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < snapshot.names().length; i++) {
            m.put(snapshot.names()[i], snapshot.values()[i]);
        }
        m.remove("last_seen");
        m.remove("gateway_node");
        m.remove("gateway_version");
        return m;
    }

    @Test
    void keepsIdsWithColonsIntact() {
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            c.request("{\"client_id\": \"with:colon\", \"status\": {\"k\": \"v\"}}");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(redis.commands().hget("client:with:colon:status", "k"))
                            .isEqualTo("v"));
            assertThat(redis.commands().zscore(RedisStatusStore.INDEX_KEY, "with:colon"))
                    .isNotNull();
        }
    }

    @Test
    void expiresDisconnectedClientsAndTheirIndexEntries() {
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            c.request("{\"client_id\": \"expiring\"}");
            c.close(1000, "");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.commands().pttl("client:expiring:status") > 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.commands().exists("client:expiring:status")).isZero();
            assertThat(redis.commands().zscore(RedisStatusStore.INDEX_KEY, "expiring"))
                    .isNull();
            assertThat(gateway.registry().find("expiring")).isNull();
        });
    }

    @Test
    void reportsRedisStateInAcksHealthAndReadiness() throws Exception {
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/readyz").statusCode() == 200);
        assertThat(http.get("/health").body()).isEqualTo("{\"status\":\"ok\",\"redis_status\":\"connected\"}");
        assertThat(http.get("/statuses").body()).endsWith("\"data_source\":\"redis\"}");
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            c.request("{\"client_id\": \"health-1\"}");
            redis.stop();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(http.get("/health").body()).contains("\"redis_status\":\"unavailable\"");
                HttpResponse<String> ready = http.get("/readyz");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("\"redis\":\"unavailable\"");
            });
            assertThat(http.get("/livez").statusCode())
                    .as("liveness never depends on Redis")
                    .isEqualTo(200);
            assertThat(c.request("{\"client_id\": \"health-1\", \"status\": {\"k\": 1}}"))
                    .endsWith("\"redis_status\": \"unavailable\"}");
            assertThat(http.get("/statuses").body()).contains("health-1").endsWith("\"data_source\":\"memory_cache\"}");
            redis.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> http.get("/readyz").statusCode() == 200);
            // Redis came back empty: the gateway wrote back what it holds.
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(redis.commands().hget("client:health-1:status", "k"))
                            .isEqualTo("1"));
        }
    }

    /**
     * After Redis restarted empty the gateway writes every record back, but nothing changed in them: a dashboard is
     * told that Redis went away and came back, and is not sent every client again.
     */
    @Test
    void writesEveryRecordBackAfterARestartWithoutResendingThemToDashboards() throws Exception {
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        int clients = 20;
        List<WsTestClient> sockets = new ArrayList<>();
        try (WsTestClient viewer =
                WsTestClient.connect(URI.create(gateway.wsUri().toString().replace("/ws", "/ws/dashboard")))) {
            for (int i = 0; i < clients; i++) {
                WsTestClient c = WsTestClient.connect(gateway.wsUri());
                c.request("{\"client_id\": \"resync-" + i + "\", \"status\": {\"n\": " + i + "}}");
                sockets.add(c);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> http.get("/readyz").statusCode() == 200
                            && redis.commands().exists("client:resync-0:status", "client:resync-19:status") == 2);
            List<JsonNode> seen = new ArrayList<>();
            drain(viewer, seen, Duration.ofMillis(600)); // the snapshot and the registrations
            assertThat(clientsIn(seen)).as("the viewer follows the feed").hasSize(clients);

            seen.clear();
            redis.stop();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> http.get("/readyz").statusCode() == 503);
            redis.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> http.get("/readyz").statusCode() == 200);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(redis.commands().hget("client:resync-19:status", "n"))
                            .isEqualTo("19"));
            drain(viewer, seen, Duration.ofMillis(600)); // a few feed ticks after the write-back

            assertThat(seen)
                    .extracting(m -> m.path("redis_status").asString())
                    .as("the viewer saw Redis go and come back")
                    .contains("unavailable", "connected");
            assertThat(seen).extracting(m -> m.path("type").asString()).containsOnly("delta");
            assertThat(clientsIn(seen))
                    .as("clients that did not change are not sent again")
                    .isEmpty();
        } finally {
            sockets.forEach(WsTestClient::close);
        }
    }

    /** Collects the viewer's messages until none arrives for {@code quiet}. */
    private static void drain(WsTestClient viewer, List<JsonNode> into, Duration quiet) throws InterruptedException {
        String m;
        while ((m = viewer.poll(quiet)) != null) {
            into.add(JSON.readTree(m));
        }
    }

    /** Every client id the messages carry. */
    private static Set<String> clientsIn(List<JsonNode> messages) {
        Set<String> ids = new TreeSet<>();
        for (JsonNode m : messages) {
            ids.addAll(m.path("clients").propertyNames());
        }
        return ids;
    }

    @Test
    void restoresStatusesAfterACrashAndRecordsTheRestart() throws Exception {
        gateway.close();
        gateway = null;
        // The jar as a process, killed with SIGKILL: its clients are left "connected" in Redis.
        try (GatewayProcess crashing =
                GatewayProcess.start("--port", "0", "--node-id", "node-c", "--redis-url", redis.url())) {
            List<WsTestClient> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                WsTestClient c = WsTestClient.connect(crashing.wsUri());
                c.request("{\"client_id\": \"restart-" + i + "\", \"status\": {\"cpu_usage\": " + (10 + i) + "}}");
                clients.add(c);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> redis.commands()
                                    .exists(
                                            "client:restart-0:status",
                                            "client:restart-1:status",
                                            "client:restart-2:status")
                            == 3);
            crashing.kill();
            clients.forEach(WsTestClient::abort);
        }
        assertThat(redis.commands().hget("client:restart-0:status", "connected"))
                .isEqualTo("true");

        gateway = start("node-c");
        for (int i = 0; i < 3; i++) {
            ClientRecord r = gateway.registry().find("restart-" + i);
            assertThat(r).as("restored from Redis").isNotNull();
            ClientSnapshot s = r.snapshot();
            assertThat(s.get("cpu_usage")).isEqualTo(Integer.toString(10 + i));
            assertThat(s.get("connected")).isEqualTo("false");
            assertThat(s.get("status_detail")).isEqualTo("Gateway restarted");
        }
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(redis.commands().hget("client:restart-1:status", "status_detail"))
                        .isEqualTo("Gateway restarted"));
    }

    @Test
    void leavesRecordsOfOtherNodesAsTheyAre() throws Exception {
        gateway.close();
        redis.commands().hset("client:elsewhere:status", Map.of("connected", "true", "gateway_node", "node-q"));
        redis.commands().zadd(RedisStatusStore.INDEX_KEY, Double.POSITIVE_INFINITY, "elsewhere");
        gateway = start("node-p");
        assertThat(gateway.registry().find("elsewhere").snapshot().get("connected"))
                .isEqualTo("true");
        assertThat(redis.commands().hget("client:elsewhere:status", "status_detail"))
                .isNull();
    }

    /**
     * {@code --fleet=false}: the single-node Redis behaviour, byte for byte as before the fleet: no epoch, no
     * incarnation, no membership keys, no client set; {@code /api/v1/nodes} lists this node alone.
     */
    @Test
    void outsideTheFleetTheGatewayWritesAsASingleNodeDoes() throws Exception {
        gateway.close();
        gateway = redis.startGateway(
                c -> c.withServer(s -> s.withNodeId("node-solo")).withFleet(f -> f.withEnabled(false)));
        try (WsTestClient c = WsTestClient.connect(gateway.wsUri())) {
            c.request("{\"client_id\": \"solo\", \"status\": {\"seq\": 1}}");
            c.request("{\"client_id\": \"solo\", \"status\": {\"seq\": 2}}");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "2".equals(redis.commands().hget("client:solo:status", "seq")));
        }
        assertThat(redis.commands().hgetall("client:solo:status"))
                .containsEntry("gateway_node", "node-solo")
                .doesNotContainKeys("gateway_epoch", "gateway_incarnation");
        assertThat(redis.commands()
                        .exists(FleetKeys.NODES, FleetKeys.node("node-solo"), FleetKeys.clients("node-solo")))
                .isZero();
        JsonNode nodes = JSON.readTree(
                new HttpTestClient(gateway.httpUri()).get("/api/v1/nodes").body());
        assertThat(nodes.path("nodes")).hasSize(1);
        assertThat(nodes.path("nodes").get(0).path("node_id").asString()).isEqualTo("node-solo");
        assertThat(nodes.path("nodes").get(0).path("incarnation").isNull()).isTrue();
        assertThat(nodes.path("lost")).isEmpty();
    }
}
