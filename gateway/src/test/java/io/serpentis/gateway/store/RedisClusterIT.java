package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.LogCapture;
import io.serpentis.gateway.testing.RedisClusterExtension;
import io.serpentis.gateway.testing.RedisProcess;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The gateway on a real Redis Cluster (three masters, three replicas), configured as users configure it:
 * {@code --redis-cluster} with {@code --redis-url} naming seed nodes. What users see: records in the original's
 * layout on every master, read with a plain cluster client as existing tools read them; a restart that loads every
 * record back across slots; no {@code CROSSSLOT} error ever; and after {@code kill -9} of a master, every update
 * acknowledged before and after the failover in Redis, {@code /readyz} 200 again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private static final Duration RETENTION = Duration.ofSeconds(30);
    private static LogCapture logs;

    private final List<WsTestClient> sockets = new ArrayList<>();
    private GatewayServer gateway;

    @BeforeAll
    static void captureLogs() {
        logs = new LogCapture("io.serpentis.gateway.store");
    }

    @AfterAll
    static void releaseLogs() {
        logs.close();
    }

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        if (gateway != null) {
            gateway.close();
        }
        // A script call whose keys span slots is refused by Redis Cluster: it must never be sent.
        assertThat(logs.lines()).noneMatch(line -> line.contains("CROSSSLOT"));
    }

    private static GatewayServer start(String nodeId) throws Exception {
        return new GatewayServer(GatewayServerExtension.testDefaults()
                        .withServer(s -> s.withNodeId(nodeId))
                        .withRegistry(r -> new RegistryConfig(RETENTION, Duration.ofSeconds(1)))
                        .withRedis(r -> r.withCluster(cluster.seedUrl())))
                .start();
    }

    private static List<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    /** Registers each client on its own socket with {@code {"n": <index>}}. */
    private void register(GatewayServer gw, List<String> ids) {
        for (int i = 0; i < ids.size(); i++) {
            WsTestClient c = WsTestClient.connect(gw.wsUri());
            assertThat(c.request("{\"client_id\": \"" + ids.get(i) + "\", \"status\": {\"n\": " + i + "}}"))
                    .contains("message_processed");
            sockets.add(c);
        }
    }

    /** Sends {@code {"seq": seq}} for every client, each acknowledged. */
    private void update(List<String> ids, int seq) {
        for (int i = 0; i < ids.size(); i++) {
            assertThat(sockets.get(i)
                            .request("{\"client_id\": \"" + ids.get(i) + "\", \"status\": {\"seq\": " + seq + "}}"))
                    .contains("message_processed");
        }
    }

    private static RedisAdvancedClusterCommands<String, String> redis() {
        return cluster.commands();
    }

    @Test
    @Order(1)
    void keepsEveryClientInTheOriginalsLayoutOnEveryMaster() throws Exception {
        cluster.flushAll();
        gateway = start("node-c1");
        List<String> ids = ids("cl-", 24);
        assertThat(ids.stream()
                        .map(id -> cluster.masterOf(RedisStatusStore.key(id)).port())
                        .distinct())
                .as("the clients' keys live on every master")
                .hasSize(RedisClusterExtension.MASTERS);
        register(gateway, ids);
        update(ids, 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < ids.size(); i++) {
                String key = "client:" + ids.get(i) + ":status";
                Map<String, String> hash = redis().hgetall(key);
                assertThat(hash)
                        .as(key)
                        .containsEntry("n", Integer.toString(i))
                        .containsEntry("seq", "1")
                        .containsEntry("connected", "true")
                        .containsEntry("gateway_node", "node-c1")
                        .containsKeys("connect_time", "last_seen", "gateway_version");
                assertThat(redis().ttl(key)).isEqualTo(-1);
                assertThat(redis().zscore(RedisStatusStore.INDEX_KEY, ids.get(i)))
                        .isEqualTo(Double.POSITIVE_INFINITY);
            }
        });

        long closedAt = System.currentTimeMillis();
        for (int i = 0; i < ids.size(); i += 2) {
            sockets.get(i).close(1000, "");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < ids.size(); i++) {
                String key = "client:" + ids.get(i) + ":status";
                if (i % 2 == 1) {
                    assertThat(redis().hget(key, "connected")).as(key).isEqualTo("true");
                    continue;
                }
                assertThat(redis().hgetall(key))
                        .as(key)
                        .containsEntry("connected", "false")
                        .containsEntry("status_detail", "Disconnected by client")
                        .containsKey("disconnect_time");
                assertThat(redis().pttl(key)).as(key).isBetween(1L, RETENTION.toMillis());
                assertThat(redis().zscore(RedisStatusStore.INDEX_KEY, ids.get(i)))
                        .as("index score: the expiry")
                        .isBetween((double) closedAt, (double) System.currentTimeMillis() + RETENTION.toMillis());
            }
        });
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
        assertThat(http.get("/health").body()).contains("\"redis_status\":\"connected\"");
    }

    @Test
    @Order(2)
    void loadsEveryRecordBackAcrossSlotsAfterACrash() throws Exception {
        cluster.flushAll();
        List<String> ids = ids("crash-", 30);
        List<String> output;
        // The jar as a process, with the flags users give it, killed with SIGKILL.
        try (GatewayProcess crashing = GatewayProcess.start(
                "--port", "0", "--node-id", "node-c2", "--redis-cluster", "--redis-url", cluster.seedUrl())) {
            for (int i = 0; i < ids.size(); i++) {
                WsTestClient c = WsTestClient.connect(crashing.wsUri());
                c.request("{\"client_id\": \"" + ids.get(i) + "\", \"status\": {\"cpu\": " + i + "}}");
                sockets.add(c);
            }
            for (int i = 0; i < 10; i++) {
                sockets.get(i).close(1000, "");
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int i = 0; i < ids.size(); i++) {
                    assertThat(redis().hget("client:" + ids.get(i) + ":status", "connected"))
                            .isEqualTo(i < 10 ? "false" : "true");
                }
            });
            crashing.kill();
            output = List.copyOf(crashing.output());
        }
        assertThat(output).as("the crashed gateway's log").noneMatch(line -> line.contains("CROSSSLOT"));

        gateway = start("node-c2");
        JsonNode statuses = new HttpTestClient(gateway.httpUri()).statuses();
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> r = HttpTestClient.record(statuses, ids.get(i));
            assertThat(r)
                    .as(ids.get(i) + " loaded back")
                    .isNotNull()
                    .containsEntry("cpu", Integer.toString(i))
                    .containsEntry("connected", "false")
                    .containsEntry("status_detail", i < 10 ? "Disconnected by client" : "Gateway restarted");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 10; i < ids.size(); i++) {
                assertThat(redis().hget("client:" + ids.get(i) + ":status", "status_detail"))
                        .isEqualTo("Gateway restarted");
            }
        });
    }

    /**
     * {@code kill -9} of the master holding most clients, with its replica behind: the replica is stopped and cut
     * from its master before an update, so the update is acknowledged (the master holds it) and then lost with the
     * master. After the replica's promotion the gateway writes every record back, so Redis holds what was
     * acknowledged before the failover, and what is acknowledged after it.
     */
    @Test
    @Order(3)
    void writesBackWhatAFailoverLostAndBecomesReadyAgain() throws Exception {
        cluster.flushAll();
        gateway = start("node-c3");
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        List<String> ids = ids("fo-", 30);
        register(gateway, ids);
        update(ids, 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(redis().hget("client:" + id + ":status", "seq")).isEqualTo("0");
            }
        });
        Map<RedisProcess, List<String>> byMaster =
                ids.stream().collect(Collectors.groupingBy(id -> cluster.masterOf(RedisStatusStore.key(id))));
        RedisProcess victim = byMaster.keySet().stream()
                .max(Comparator.comparingInt((RedisProcess m) -> byMaster.get(m).size()))
                .orElseThrow();
        List<String> lost = byMaster.get(victim);
        RedisProcess replica = cluster.replicaOf(victim);

        long killedAt;
        replica.pause();
        try {
            victim.call("CLIENT", "KILL", "TYPE", "replica"); // nothing more reaches the replica
            update(ids, 1);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                for (String id : lost) {
                    assertThat(victim.call("HGET", "client:" + id + ":status", "seq"))
                            .isEqualTo("1");
                }
            });
            killedAt = System.nanoTime();
            victim.kill();
        } finally {
            replica.resume();
        }
        try {
            cluster.awaitPromotion(victim);
            long promoted = System.nanoTime();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> http.get("/readyz").statusCode() == 200);
            long ready = System.nanoTime();
            // Ready means written back: what the failover lost is in Redis again.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(redis().hget("client:" + id + ":status", "seq"))
                            .as(id)
                            .isEqualTo("1");
                }
            });
            update(ids, 2);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(redis().hget("client:" + id + ":status", "seq"))
                            .as(id)
                            .isEqualTo("2");
                }
            });
            Function<Long, Long> ms = t -> Duration.ofNanos(t - killedAt).toMillis();
            System.out.printf(
                    "RedisClusterIT: master killed; replica promoted after %d ms, /readyz 200 with "
                            + "every record written back after %d ms (%d clients on that master)%n",
                    ms.apply(promoted), ms.apply(ready), lost.size());
        } finally {
            cluster.restart(victim);
        }
    }
}
