package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RedisProcess;
import io.serpentis.gateway.testing.RedisSentinelExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The gateway on a real Sentinel deployment (one master, one replica, three sentinels) through a
 * {@code redis-sentinel://} URL, with the default reconnect settings. What users see: records in the original's
 * layout on the master, read there as existing tools read them; a restart that loads them back; and after
 * {@code kill -9} of the master, the gateway on the promoted replica, every acknowledged update in Redis (what the
 * failover lost written back) and {@code /readyz} 200 again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelIT {
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    private static final Duration RETENTION = Duration.ofSeconds(30);

    private final List<WsTestClient> sockets = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        if (gateway != null) {
            gateway.close();
        }
    }

    private static GatewayServer start(String nodeId) throws Exception {
        return new GatewayServer(GatewayServerExtension.testDefaults()
                        .withServer(s -> s.withNodeId(nodeId))
                        .withRegistry(r -> new RegistryConfig(RETENTION, Duration.ofSeconds(1)))
                        .withRedis(r -> r.withUrl(sentinel.url())))
                .start();
    }

    private static List<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    private void register(GatewayServer gw, List<String> ids) {
        for (int i = 0; i < ids.size(); i++) {
            WsTestClient c = WsTestClient.connect(gw.wsUri());
            assertThat(c.request("{\"client_id\": \"" + ids.get(i) + "\", \"status\": {\"n\": " + i + "}}"))
                    .contains("message_processed");
            sockets.add(c);
        }
    }

    private void update(List<String> ids, int seq) {
        for (int i = 0; i < ids.size(); i++) {
            assertThat(sockets.get(i)
                            .request("{\"client_id\": \"" + ids.get(i) + "\", \"status\": {\"seq\": " + seq + "}}"))
                    .contains("message_processed");
        }
    }

    /** {@code HGET} on the current master's port, as {@code redis-cli -p <port>} would ask it. */
    private static Object onMaster(String id, String field) {
        return sentinel.master().call("HGET", "client:" + id + ":status", field);
    }

    @Test
    @Order(1)
    void keepsRecordsOnTheMasterTheSentinelsNameAndLoadsThemBack() throws Exception {
        sentinel.master().call("FLUSHALL");
        gateway = start("node-s1");
        List<String> ids = ids("sn-", 10);
        register(gateway, ids);
        update(ids, 1);
        sockets.get(0).close(1000, "");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 1; i < ids.size(); i++) {
                Map<String, String> hash = sentinel.commands().hgetall("client:" + ids.get(i) + ":status");
                assertThat(hash)
                        .containsEntry("n", Integer.toString(i))
                        .containsEntry("seq", "1")
                        .containsEntry("connected", "true")
                        .containsEntry("gateway_node", "node-s1");
                assertThat(onMaster(ids.get(i), "seq")).isEqualTo("1");
            }
            assertThat(onMaster("sn-0", "status_detail")).isEqualTo("Disconnected by client");
            assertThat((Long) sentinel.master().call("PTTL", "client:sn-0:status"))
                    .isBetween(1L, RETENTION.toMillis());
        });
        assertThat(new HttpTestClient(gateway.httpUri()).get("/readyz").statusCode())
                .isEqualTo(200);

        gateway.close();
        gateway = start("node-s1");
        JsonNode statuses = new HttpTestClient(gateway.httpUri()).statuses();
        for (int i = 0; i < ids.size(); i++) {
            assertThat(HttpTestClient.record(statuses, ids.get(i)))
                    .as(ids.get(i))
                    .isNotNull()
                    .containsEntry("n", Integer.toString(i))
                    .containsEntry("connected", "false");
        }
    }

    /**
     * {@code kill -9} of the master after its replica was stopped and cut off, so that an acknowledged update is
     * lost with the master. The sentinels promote the replica, Lettuce asks them for the new master when it
     * reconnects, and the gateway writes every record back.
     */
    @Test
    @Order(2)
    void followsTheNewMasterAfterAFailoverAndWritesBackWhatItLost() throws Exception {
        sentinel.master().call("FLUSHALL");
        gateway = start("node-s2");
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        List<String> ids = ids("sf-", 20);
        register(gateway, ids);
        update(ids, 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(onMaster(id, "seq")).isEqualTo("0");
            }
        });

        RedisProcess master = sentinel.master();
        RedisProcess replica = sentinel.replica();
        long killedAt;
        replica.pause();
        try {
            master.call("CLIENT", "KILL", "TYPE", "replica"); // nothing more reaches the replica
            update(ids, 1);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(master.call("HGET", "client:" + id + ":status", "seq"))
                            .isEqualTo("1");
                }
            });
            killedAt = System.nanoTime();
            master.kill();
        } finally {
            replica.resume();
        }
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> http.get("/readyz").statusCode() == 503);
            sentinel.awaitFailover();
            long promoted = System.nanoTime();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> http.get("/readyz").statusCode() == 200);
            long ready = System.nanoTime();
            // Ready means written back: what the failover lost is in Redis again.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(onMaster(id, "seq")).as(id).isEqualTo("1");
                }
            });
            update(ids, 2);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(onMaster(id, "seq")).as(id).isEqualTo("2");
                }
            });
            System.out.printf(
                    "RedisSentinelIT: master killed; every sentinel named the replica after %d ms, "
                            + "/readyz 200 with every record written back after %d ms%n",
                    Duration.ofNanos(promoted - killedAt).toMillis(),
                    Duration.ofNanos(ready - killedAt).toMillis());
        } finally {
            sentinel.restartOldMaster();
        }
    }
}
