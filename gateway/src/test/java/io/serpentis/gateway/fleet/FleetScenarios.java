package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** What the fleet's fault tests do on every Redis deployment, as users see it. */
final class FleetScenarios {
    /** The heartbeat interval: a node's last heartbeat is at most this long before its crash. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** Clocks and scheduling on a shared box: what the bounds may be off by. */
    static final Duration SLACK = Duration.ofSeconds(1);

    private FleetScenarios() {}

    /** Registers {@code n} clients {@code prefix0...} on {@code node}, each on its own socket (added to sockets). */
    static List<String> register(GatewayProcess node, String prefix, int n, List<WsTestClient> sockets) {
        List<String> ids = IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
        for (String id : ids) {
            WsTestClient c = WsTestClient.connect(node.wsUri());
            assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"n\": 1}}"))
                    .contains("message_processed");
            sockets.add(c);
        }
        return ids;
    }

    static Map<String, String> record(RedisClusterCommands<String, String> redis, String id) {
        return redis.hgetall("client:" + id + ":status");
    }

    /** Waits until Redis shows every client connected through {@code node}. */
    static void awaitConnected(RedisClusterCommands<String, String> redis, List<String> ids, String node) {
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            for (String id : ids) {
                assertThat(record(redis, id))
                        .as(id)
                        .containsEntry("connected", "true")
                        .containsEntry("gateway_node", node);
            }
        });
    }

    /**
     * {@code kill -9} of {@code node}; a survivor marks each client offline within 30 s, {@code Gateway node lost},
     * at its last sign of life. Returns how long that took.
     */
    static Duration killAndExpectOffline(
            FleetHarness fleet, String node, RedisClusterCommands<String, String> redis, List<String> clients)
            throws InterruptedException {
        Instant killed = Instant.now();
        fleet.kill(node);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    for (String id : clients) {
                        assertThat(record(redis, id))
                                .as(id)
                                .containsEntry("connected", "false")
                                .containsEntry("status_detail", "Gateway node lost");
                    }
                });
        Duration took = Duration.between(killed, Instant.now());
        for (String id : clients) {
            Instant at = Instant.parse(record(redis, id).get("disconnect_time"));
            assertThat(at)
                    .as(id + ": its last sign of life, not the clean-up")
                    .isBetween(killed.minus(HEARTBEAT).minus(SLACK), killed.plus(SLACK));
        }
        return took;
    }
}
