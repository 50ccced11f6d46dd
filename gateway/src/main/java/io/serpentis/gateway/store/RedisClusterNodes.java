package io.serpentis.gateway.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.resource.ClientResources;
import io.serpentis.gateway.config.RedisConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis Cluster side of {@link RedisDeployment}: the client with its topology refresh and node filter, and the
 * commands that go to each node rather than by slot (a {@code PING} and a {@code SCRIPT LOAD} per node, the node
 * connections warmed up before a burst), and the slot owners a topology change is judged by.
 *
 * <p>Stateless: every method works on the client or connection it is given; thread-safe as Lettuce's are.
 */
final class RedisClusterNodes {
    private static final Logger log = LoggerFactory.getLogger(RedisDeployment.class);

    private RedisClusterNodes() {}

    /** A cluster client for the seeds in {@code config}'s URL, on {@code resources}, with {@code options}. */
    static RedisClusterClient client(RedisConfig config, ClientResources resources, ClientOptions options) {
        List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(URI.create(config.url()));
        for (RedisURI seed : seeds) {
            seed.setTimeout(config.commandTimeout());
        }
        RedisClusterClient c = RedisClusterClient.create(resources, seeds);
        c.setOptions(ClusterClientOptions.builder(options)
                // Every adaptive trigger is on by default since Lettuce 7.
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(RedisDeployment.TOPOLOGY_REFRESH_PERIOD)
                        .adaptiveRefreshTriggersTimeout(RedisDeployment.ADAPTIVE_REFRESH_TIMEOUT)
                        .refreshTriggersReconnectAttempts(RedisDeployment.REFRESH_RECONNECT_ATTEMPTS)
                        .build())
                // A failed node stays in CLUSTER NODES until it is forgotten; it owns nothing and answers
                // nothing, so it is left out: no connection, no script load, no ping goes to it.
                .nodeFilter(
                        node -> !node.is(NodeFlag.FAIL) && !node.is(NodeFlag.NOADDR) && !node.is(NodeFlag.HANDSHAKE))
                .build());
        return c;
    }

    /** {@code PING} to every master that owns slots, failing when any does. */
    static CompletableFuture<?> ping(StatefulRedisClusterConnection<String, String> cluster) {
        List<CompletableFuture<String>> pings = new ArrayList<>();
        for (RedisClusterNode master : owners(cluster)) {
            pings.add(node(cluster, master).thenCompose(n -> n.async().ping()));
        }
        return pings.isEmpty()
                ? CompletableFuture.failedFuture(new RedisException("no master owns a slot"))
                : CompletableFuture.allOf(pings.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * {@code SCRIPT LOAD script} on every node of the topology, failing only when no master that owns slots loaded
     * it (see {@link RedisDeployment#scriptLoad}).
     */
    static CompletableFuture<String> scriptLoad(StatefulRedisClusterConnection<String, String> cluster, String script) {
        List<CompletableFuture<String>> owners = new ArrayList<>();
        for (RedisClusterNode n : cluster.getPartitions()) {
            CompletableFuture<String> loaded =
                    node(cluster, n).thenCompose(nc -> nc.async().scriptLoad(script));
            if (ownsSlots(n)) {
                owners.add(loaded);
            }
        }
        if (owners.isEmpty()) {
            return CompletableFuture.failedFuture(new RedisException("no master owns a slot"));
        }
        return CompletableFuture.allOf(
                        owners.stream().map(f -> f.handle((sha, e) -> sha)).toArray(CompletableFuture<?>[]::new))
                .thenCompose(v -> {
                    for (CompletableFuture<String> f : owners) {
                        if (!f.isCompletedExceptionally()) {
                            return f;
                        }
                    }
                    return owners.get(0); // every master failed: its failure
                });
    }

    /** Opens the connections to every master that owns slots, waiting at most {@code timeout}. Blocks. */
    static void warmUp(StatefulRedisClusterConnection<String, String> cluster, Duration timeout) {
        List<CompletableFuture<?>> nodes = new ArrayList<>();
        for (RedisClusterNode master : owners(cluster)) {
            nodes.add(node(cluster, master));
        }
        try {
            CompletableFuture.allOf(nodes.toArray(new CompletableFuture<?>[0]))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Not every Redis Cluster master could be connected to: {}", e.toString());
        }
    }

    private static boolean ownsSlots(RedisClusterNode n) {
        return n.is(NodeFlag.UPSTREAM) && !n.hasNoSlots();
    }

    private static List<RedisClusterNode> owners(StatefulRedisClusterConnection<String, String> cluster) {
        List<RedisClusterNode> owners = new ArrayList<>();
        for (RedisClusterNode n : cluster.getPartitions()) {
            if (ownsSlots(n)) {
                owners.add(n);
            }
        }
        return owners;
    }

    /** The connection to {@code n} that slot routing uses too (write intent, by host and port). */
    private static CompletableFuture<StatefulRedisConnection<String, String>> node(
            StatefulRedisClusterConnection<String, String> cluster, RedisClusterNode n) {
        RedisURI uri = n.getUri();
        return cluster.getConnectionAsync(uri.getHost(), uri.getPort());
    }

    /** The masters that own slots, each with its address and slot count, in a stable order. */
    static String slotOwners(RedisClusterClient cluster) {
        Set<String> owners = new TreeSet<>();
        for (RedisClusterNode n : cluster.getPartitions()) {
            if (ownsSlots(n)) {
                List<Integer> slots = n.getSlots();
                owners.add(n.getUri().getHost() + ":" + n.getUri().getPort() + " " + slots.size() + " slots #"
                        + Integer.toHexString(slots.hashCode()));
            }
        }
        return String.join(", ", owners);
    }
}
