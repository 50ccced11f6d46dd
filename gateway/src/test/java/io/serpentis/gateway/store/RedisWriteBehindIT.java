package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.KillArgs;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The write-behind under load and through real Redis faults: coalescing shown by Redis's own command counters,
 * and no acknowledged update lost through a restart (empty), a stall ({@code CLIENT PAUSE}) and dropped
 * connections ({@code CLIENT KILL}).
 */
class RedisWriteBehindIT {
    /**
     * Updates every client has acknowledged in each phase of the fault test (2 ms apart: about half a second to a
     * second), so that each phase holds acknowledged updates however slow the machine is.
     */
    private static final int PHASE = 100;

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private GatewayServer gateway;

    private GatewayServer start(Duration flushInterval) throws Exception {
        return redis.startGateway(c -> c.withServer(s -> s.withNodeId("node-wb"))
                .withRegistry(r -> new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(1)))
                .withRedis(r -> r.withFlushInterval(flushInterval)));
    }

    /** Waits until every client has had {@code more} updates acknowledged since now. */
    private static void awaitAcks(AtomicLongArray acked, int more) {
        long[] from = new long[acked.length()];
        for (int c = 0; c < from.length; c++) {
            from[c] = acked.get(c);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int c = 0; c < from.length; c++) {
                if (acked.get(c) < from[c] + more) {
                    return false;
                }
            }
            return true;
        });
    }

    private static long commandCalls(String info, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void coalescesManyUpdatesOfAClientIntoFewWrites() throws Exception {
        gateway = start(Duration.ofMillis(25));
        redis.commands().configResetstat();
        int clients = 100;
        int updates = 50;
        List<WsTestClient> sockets = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            sockets.add(WsTestClient.connect(gateway.wsUri()));
        }
        // Every client sends its 50 updates back to back, then reads its 50 acks.
        for (int u = 0; u < updates; u++) {
            for (int c = 0; c < clients; c++) {
                sockets.get(c).send("{\"client_id\": \"co-" + c + "\", \"status\": {\"seq\": " + u + "}}");
            }
        }
        for (WsTestClient s : sockets) {
            for (int u = 0; u < updates; u++) {
                assertThat(s.next()).contains("message_processed");
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int c = 0; c < clients; c++) {
                assertThat(redis.commands().hget("client:co-" + c + ":status", "seq"))
                        .isEqualTo("49");
            }
        });
        String info = redis.commands().info("commandstats");
        long hsets = commandCalls(info, "hset");
        System.out.printf(
                "%d updates from %d clients: %d HSET calls, %d EVALSHA calls%n",
                clients * updates, clients, hsets, commandCalls(info, "evalsha"));
        // One HSET per write of a client; 5,000 updates would be 5,000 HSETs without coalescing.
        assertThat(hsets).isGreaterThanOrEqualTo(clients).isLessThan(clients * updates / 5);
        sockets.forEach(WsTestClient::close);
    }

    /**
     * A Redis that answers late ({@code CLIENT PAUSE} for 4 s, longer than the 500 ms command timeout) gets each
     * client's write about once or twice, not once per timeout: a timed-out command stays on the connection and
     * Redis runs it when it resumes, so the writer sends nothing more until a ping behind it is answered. Writing
     * again on every timeout piled a burst more onto the connection each time (Lettuce's request queue overflowed
     * under load), and Redis ran them all.
     */
    @Test
    void aStalledRedisGetsEachWriteAboutOnceNotOncePerTimeout() throws Exception {
        gateway = start(Duration.ofMillis(5));
        int clients = 50;
        List<WsTestClient> sockets = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            WsTestClient ws = WsTestClient.connect(gateway.wsUri());
            sockets.add(ws);
            assertThat(ws.request("{\"client_id\": \"slow-" + c + "\"}")).contains("message_processed");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int c = 0; c < clients; c++) {
                assertThat(redis.commands().hget("client:slow-" + c + ":status", "connected"))
                        .isEqualTo("true");
            }
        });
        redis.commands().configResetstat();
        redis.commands().clientPause(4_000);
        for (int c = 0; c < clients; c++) {
            assertThat(sockets.get(c).request("{\"client_id\": \"slow-" + c + "\", \"status\": {\"n\": 1}}"))
                    .contains("message_processed");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int c = 0; c < clients; c++) {
                assertThat(redis.commands().hget("client:slow-" + c + ":status", "n"))
                        .isEqualTo("1");
            }
        });
        Thread.sleep(1_000); // anything still queued behind has run
        String info = redis.commands().info("commandstats");
        long writes = commandCalls(info, "hset") + commandCalls(info, "evalsha");
        System.out.printf("A 4 s stall: %d clients' updates came to %d writes in Redis%n", clients, writes);
        assertThat(writes)
                .as("writes Redis ran for %d clients' updates", clients)
                .isLessThanOrEqualTo(3L * clients);
        sockets.forEach(WsTestClient::close);
    }

    @Test
    void losesNoAcknowledgedUpdateThroughRestartPauseAndKilledConnections() throws Exception {
        gateway = start(Duration.ofMillis(5));
        int clients = 40;
        AtomicLongArray acked = new AtomicLongArray(clients);
        for (int c = 0; c < clients; c++) {
            acked.set(c, -1);
        }
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            loops.add(pool.submit(() -> {
                try (WsTestClient ws = WsTestClient.connect(gateway.wsUri())) {
                    for (long seq = 0; running.get(); seq++) {
                        String ack = ws.request("{\"client_id\": \"chaos-" + client + "\", \"status\": {\"seq\": " + seq
                                + ", \"note\": \"update " + seq + " of client " + client + "\"}}");
                        assertThat(ack).contains("message_processed");
                        acked.set(client, seq);
                        Thread.sleep(2);
                    }
                }
                return null;
            }));
        }
        HttpTestClient http = new HttpTestClient(gateway.httpUri());
        // Each phase lasts until every client has had PHASE more updates acknowledged in it.
        awaitAcks(acked, PHASE);
        redis.stop(); // outage...
        awaitAcks(acked, PHASE);
        redis.start(); // ...and back, empty (no persistence)
        await().atMost(Duration.ofSeconds(15)).until(() -> http.get("/readyz").statusCode() == 200);
        awaitAcks(acked, PHASE);
        redis.commands().clientPause(1500); // a stall longer than the command timeout
        awaitAcks(acked, PHASE);
        redis.commands().clientKill(KillArgs.Builder.typeNormal()); // dropped connections (once the pause ends)
        awaitAcks(acked, PHASE);
        running.set(false);
        for (Future<?> f : loops) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    for (int c = 0; c < clients; c++) {
                        String id = "chaos-" + c;
                        Map<String, String> inRedis =
                                new LinkedHashMap<>(redis.commands().hgetall(RedisStatusStore.key(id)));
                        inRedis.remove("gateway_version");
                        inRedis.remove("gateway_epoch"); // a fleet member's, Redis only
                        inRedis.remove("gateway_incarnation");
                        ClientSnapshot s = gateway.registry().find(id).snapshot();
                        Map<String, String> inMemory = new LinkedHashMap<>();
                        for (int i = 0; i < s.names().length; i++) {
                            inMemory.put(s.names()[i], s.values()[i]);
                        }
                        assertThat(inMemory.get("seq"))
                                .as(id + ": the last acknowledged update")
                                .isEqualTo(Long.toString(acked.get(c)));
                        assertThat(inRedis)
                                .as(id + ": Redis equals the gateway's state")
                                .isEqualTo(inMemory);
                    }
                });
        assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
    }
}
