package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RedisConfig.AckMode;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.RedisProcess;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Durable acknowledgements ({@code --redis-ack-mode durable}) against a real Redis, with real stalls: an ack never
 * leaves before Redis holds the status ({@code CLIENT PAUSE WRITE} holds the write back, and the ack with it), and
 * with {@code --redis-ack-replicas 1} not before a replica holds it (the replica stopped with {@code SIGSTOP}).
 * The default mode, for contrast, acknowledges from memory while Redis is paused.
 */
class DurableAckIT {
    private static final String KEY = RedisStatusStore.key("dur-1");

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private GatewayServer start(UnaryOperator<RedisConfig.Builder> redisConfig) throws Exception {
        return redis.startGateway(
                c -> c.withRedis(r -> redisConfig.apply(r.toBuilder()).build()));
    }

    private static WsTestClient register(GatewayServer gateway) {
        WsTestClient ws = WsTestClient.connect(gateway.wsUri());
        assertThat(ws.request("{\"client_id\": \"dur-1\", \"status\": {\"n\": 1}}"))
                .contains("message_processed");
        return ws;
    }

    /** {@code CLIENT PAUSE <ms> WRITE}: Redis answers reads, and holds every write (scripts included) back. */
    private static void pauseWrites(Duration d) {
        redis.commands()
                .dispatch(
                        CommandType.CLIENT,
                        new StatusOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8)
                                .add("PAUSE")
                                .add(d.toMillis())
                                .add("WRITE"));
    }

    @Test
    void anAckLeavesOnlyOnceRedisHoldsTheStatus() throws Exception {
        GatewayServer gateway = start(r -> r.ackMode(AckMode.DURABLE));
        try (WsTestClient ws = register(gateway)) {
            assertThat(redis.commands().hget(KEY, "n"))
                    .as("registered: held by Redis when acknowledged")
                    .isEqualTo("1");

            pauseWrites(Duration.ofMillis(1500));
            ws.send("{\"client_id\": \"dur-1\", \"status\": {\"n\": 2}}");
            assertThat(ws.poll(Duration.ofMillis(800)))
                    .as("no ack while Redis holds the write back")
                    .isNull();
            assertThat(redis.commands().hget(KEY, "n")).isEqualTo("1");

            String ack = ws.poll(Duration.ofSeconds(10));
            assertThat(ack).contains("message_processed").contains("\"n\"");
            assertThat(redis.commands().hget(KEY, "n"))
                    .as("the acknowledged status is in Redis")
                    .isEqualTo("2");
        }
    }

    @Test
    void theDefaultModeAcknowledgesFromMemoryWhileRedisIsPaused() throws Exception {
        GatewayServer gateway = start(r -> r);
        try (WsTestClient ws = register(gateway)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "1".equals(redis.commands().hget(KEY, "n")));
            pauseWrites(Duration.ofMillis(1500));
            assertThat(ws.request("{\"client_id\": \"dur-1\", \"status\": {\"n\": 2}}"))
                    .contains("message_processed");
            assertThat(redis.commands().hget(KEY, "n"))
                    .as("acknowledged before Redis holds it: the write lag a crash would lose")
                    .isEqualTo("1");
        }
    }

    @Test
    void withAReplicaAskedForAnAckWaitsUntilTheReplicaHoldsTheStatus() throws Exception {
        String binary = ExternalTools.require("redis-server", "redis-server");
        int masterPort = URI.create(redis.url()).getPort();
        try (RedisProcess replica = RedisProcess.server(
                binary,
                ExternalTools.freePort(),
                Files.createTempDirectory("redis-replica"),
                "--replicaof",
                "127.0.0.1",
                Integer.toString(masterPort))) {
            RedisProcess.await(
                    Duration.ofSeconds(20),
                    "the replica is in sync",
                    () -> "up".equals(replica.info("replication", "master_link_status")));
            GatewayServer gateway = start(r -> r.ackMode(AckMode.DURABLE).ackReplicas(1));
            try (WsTestClient ws = register(gateway)) {
                assertThat(replica.call("HGET", KEY, "n"))
                        .as("on the replica when acknowledged")
                        .isEqualTo("1");

                replica.pause(); // SIGSTOP: the master writes, the replica acknowledges nothing
                try {
                    ws.send("{\"client_id\": \"dur-1\", \"status\": {\"n\": 2}}");
                    assertThat(ws.poll(Duration.ofMillis(1500)))
                            .as("no ack while no replica holds the write")
                            .isNull();
                    assertThat(redis.commands().hget(KEY, "n"))
                            .as("the master holds it")
                            .isEqualTo("2");
                } finally {
                    replica.resume();
                }
                assertThat(ws.poll(Duration.ofSeconds(10))).contains("message_processed");
                assertThat(replica.call("HGET", KEY, "n"))
                        .as("the acknowledged status is on the replica")
                        .isEqualTo("2");
            }
        }
    }
}
