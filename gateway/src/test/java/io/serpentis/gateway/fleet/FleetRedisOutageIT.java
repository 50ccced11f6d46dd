package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisProcess;
import io.serpentis.gateway.testing.RedisWatcher;
import io.serpentis.gateway.testing.WsTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis gone for everyone for longer than a lease, then back with its data (issue 13, point 5): every lease ended
 * while it was down, and the gateways reconnect one after the other (their reconnect delays are jittered). The
 * first node back must not declare the others lost: a node may declare others lost only once its own lease has held
 * for a whole lease since it lapsed, by which time everyone could renew. No client is ever shown offline.
 */
class FleetRedisOutageIT {
    private final List<WsTestClient> sockets = new ArrayList<>();
    private RedisProcess redis;
    private RedisClient client;
    private FleetHarness fleet;
    private RedisWatcher watcher;

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        if (watcher != null) {
            watcher.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aRedisOutageLongerThanTheLeaseMarksNoClientOffline() throws Exception {
        String binary = ExternalTools.require("redis-server", "redis-server");
        Path dir = Files.createTempDirectory("fleet-outage");
        // Kept on disk (every write synced), so that it comes back with the fleet's leases as they were.
        redis = RedisProcess.server(
                binary, ExternalTools.freePort(), dir, "--appendonly", "yes", "--appendfsync", "always");
        String url = "redis://" + redis.address();
        client = RedisClient.create(url);
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> commands = connection.sync();
        fleet = new FleetHarness("--redis-url", url);
        GatewayProcess a = fleet.start("out-a");
        GatewayProcess b = fleet.start("out-b");
        List<String> clients = new ArrayList<>();
        for (GatewayProcess node : List.of(a, b)) {
            clients.addAll(FleetScenarios.register(node, node == a ? "out-a-" : "out-b-", 5, sockets));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> clients.stream()
                        .allMatch(id -> "true".equals(commands.hget("client:" + id + ":status", "connected"))));
        watcher = new RedisWatcher(commands, clients);

        redis.kill();
        Thread.sleep(15_000); // the fault itself: longer than the lease and the grace together
        redis.start();

        try {
            await().pollDelay(Duration.ofSeconds(5))
                    .during(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(40))
                    .ignoreExceptions()
                    .until(() -> clients.stream()
                            .allMatch(id -> "true".equals(commands.hget("client:" + id + ":status", "connected"))));
        } catch (AssertionError | RuntimeException e) {
            for (String id : clients) {
                System.out.println("FleetRedisOutageIT " + id + ": " + watcher.history(id));
            }
            for (GatewayProcess node : List.of(a, b)) {
                node.output().stream()
                        .filter(l -> l.contains("WARN") || l.contains("INFO"))
                        .forEach(l -> System.out.println("FleetRedisOutageIT " + node.port() + ": " + l));
            }
            throw e;
        }
        assertThat(watcher.everOffline()).as("clients ever shown offline").isEmpty();
        assertThat(watcher.regressions()).isEmpty();
        for (GatewayProcess node : List.of(a, b)) {
            assertThat(PrometheusText.scrape(node.httpUri())
                            .value("gateway_fleet_nodes_lost_total", "reason", "lease_expired"))
                    .as("nodes declared lost by " + node.port())
                    .isZero();
        }
        assertThat(sockets).noneMatch(WsTestClient::isClosed);
    }
}
