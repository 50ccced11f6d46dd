package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.testing.RedisClusterExtension;
import io.serpentis.gateway.testing.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the store relies on beneath the gateway, on a real Redis Cluster: a burst held on every master until it is
 * flushed, scripts on every node (and on the others while one is down), one key per script call, a ping of every
 * master, a failover reported as a topology change, and shard channels on the pub/sub connections the fleet will
 * use.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisDeploymentClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private static RedisDeployment deployment;
    private static final AtomicInteger topologyChanges = new AtomicInteger();

    @BeforeAll
    static void create() {
        deployment = new RedisDeployment(
                RedisConfig.defaults().withCluster(cluster.seedUrl()),
                new RedisReconnectPolicy(Duration.ofMillis(500)).delay(),
                null);
        deployment.addListener(new RedisDeployment.Listener() {
            @Override
            public void topologyChanged() {
                topologyChanges.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void close() {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    @Order(1)
    void holdsABurstOnEveryMasterUntilItIsFlushed() throws Exception {
        cluster.flushAll();
        for (RedisProcess m : cluster.masters()) {
            m.call("CONFIG", "RESETSTAT");
        }
        RedisDeployment.Connection c = deployment.connect();
        try {
            c.stateful().setAutoFlushCommands(false);
            deployment.warmUp(c, Duration.ofSeconds(2));
            BurstCommands burst = BurstCommands.of(c);
            List<String> keys = IntStream.range(0, 300)
                    .mapToObj(i -> "client:pipelined-" + i + ":status")
                    .toList();
            assertThat(keys.stream().map(k -> cluster.masterOf(k).port()).distinct())
                    .hasSize(RedisClusterExtension.MASTERS);
            List<CompletableFuture<Long>> replies = keys.stream()
                    .map(k -> burst.hset(new RespArgs().key(k).arg("f").arg("v")))
                    .toList();
            Thread.sleep(300);
            assertThat(replies).as("nothing leaves before the flush").noneMatch(CompletableFuture::isDone);
            assertThat(hsetCalls()).isZero();

            burst.flush();
            CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0]))
                    .get(5, TimeUnit.SECONDS);
            assertThat(replies).allMatch(r -> r.join() == 1L);
            assertThat(hsetCalls())
                    .as("each master got its keys, all from the one flush")
                    .isEqualTo(keys.size());
            for (String k : keys) {
                assertThat(cluster.commands().hget(k, "f")).isEqualTo("v");
            }
        } finally {
            c.stateful().close();
        }
    }

    /** HSET calls over every master, from {@code INFO commandstats}. */
    private static long hsetCalls() {
        long calls = 0;
        for (RedisProcess m : cluster.masters()) {
            String stat = m.info("commandstats", "cmdstat_hset");
            if (stat != null) {
                calls += Long.parseLong(stat.replaceAll("^calls=(\\d+),.*", "$1"));
            }
        }
        return calls;
    }

    @Test
    @Order(2)
    void loadsScriptsOnEveryNodeAndCallsThemWithOneKey() throws Exception {
        RedisDeployment.Connection c = deployment.connect();
        try {
            assertThat(deployment.scriptLoad(c, RedisScripts.WRITE_SCRIPT).get(5, TimeUnit.SECONDS))
                    .isEqualTo(RedisScripts.WRITE_SHA);
            // The future completes when the masters have the script; replicas load theirs alongside, without
            // holding the writer up, so they are awaited.
            for (RedisProcess node : cluster.masters()) {
                assertThat(node.call("SCRIPT", "EXISTS", RedisScripts.WRITE_SHA))
                        .as(node.toString())
                        .isEqualTo(List.of(1L));
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (RedisProcess node : cluster.running()) {
                    assertThat(node.call("SCRIPT", "EXISTS", RedisScripts.WRITE_SHA))
                            .as(node.toString())
                            .isEqualTo(List.of(1L));
                }
            });
            assertThat(deployment.clientsPerScriptCall()).isEqualTo(1);
            // Why one key per call: two clients' keys hash to two slots, and Redis Cluster refuses such a call.
            String a = "client:a:status";
            String b = "client:b:status";
            assertThat(SlotHash.getSlot(a)).isNotEqualTo(SlotHash.getSlot(b));
            assertThatThrownBy(() -> c.commands()
                            .evalsha(
                                    RedisScripts.WRITE_SHA,
                                    ScriptOutputType.MULTI,
                                    new String[] {a, b},
                                    "1",
                                    "f",
                                    "0",
                                    "0",
                                    "1",
                                    "k",
                                    "v",
                                    "1",
                                    "f",
                                    "0",
                                    "0",
                                    "1",
                                    "k",
                                    "v")
                            .get(5, TimeUnit.SECONDS))
                    .hasMessageContaining("CROSSSLOT");
        } finally {
            c.stateful().close();
        }
    }

    @Test
    @Order(3)
    void carriesShardChannelsOnItsPubSubConnections() throws Exception {
        StatefulRedisPubSubConnection<String, String> ps = deployment.connectPubSub();
        try {
            assertThat(ps).isInstanceOf(StatefulRedisClusterPubSubConnection.class);
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            ((StatefulRedisClusterPubSubConnection<String, String>) ps).addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, String channel, String message) {
                    received.add(channel + " " + message);
                }
            });
            String channel = "serpentis:{node:gw-1}:feed";
            ps.async().ssubscribe(channel).get(5, TimeUnit.SECONDS);
            assertThat(cluster.commands().spublish(channel, "hello")).isEqualTo(1L);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(channel + " hello");
        } finally {
            ps.close();
        }
    }

    @Test
    @Order(4)
    void pingsEveryMasterLoadsScriptsWhileOneIsDownAndReportsTheFailover() throws Exception {
        RedisDeployment.Connection c = deployment.connect();
        RedisProcess victim = cluster.masters().get(0);
        try {
            deployment.ping(c).get(5, TimeUnit.SECONDS);
            int before = topologyChanges.get();
            victim.kill();
            // While the dead master still owns its slots, the others still take the scripts: one master's outage
            // must not stop the writer from loading them (Lettuce's cluster scriptLoad fails here).
            assertThat(deployment.scriptLoad(c, RedisScripts.DELETE_SCRIPT).get(5, TimeUnit.SECONDS))
                    .isEqualTo(RedisScripts.DELETE_SHA);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThatThrownBy(
                                    () -> deployment.ping(c).get(5, TimeUnit.SECONDS))
                            .as("a master that owns slots is down")
                            .isNotNull());
            cluster.awaitPromotion(victim);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(topologyChanges.get()).isGreaterThan(before);
                deployment.ping(c).get(5, TimeUnit.SECONDS);
            });
            assertThat(deployment.isOpen(c)).isTrue();
        } finally {
            c.stateful().close();
            cluster.restart(victim);
        }
    }
}
