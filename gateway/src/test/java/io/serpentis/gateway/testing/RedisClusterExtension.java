package io.serpentis.gateway.testing;

import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster for a test class: six {@code redis-server} processes on free loopback ports (three masters,
 * three replicas), {@code --cluster-node-timeout 2000}, nothing kept on disk, joined with
 * {@code redis-cli --cluster create ... --cluster-replicas 1}. Register it as a {@code static} field with
 * {@code @RegisterExtension}. Without {@code redis-server} or {@code redis-cli} the class is skipped with the
 * reason, except under {@code CI=true}, where it fails ({@link ExternalTools#require}).
 *
 * <p>Faults are real: {@link #killMaster} sends {@code SIGKILL} to a master and waits until its replica took its
 * slots; {@link #restart} brings a node back (a killed master rejoins as a replica); {@link RedisProcess#pause}
 * stops one. Processes are stopped by their own PIDs only. {@link #commands()} is a cluster-aware client for
 * assertions, as a tool reading {@code client:<id>:status} would use.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {
    /** Masters; each has one replica. */
    public static final int MASTERS = 3;
    /** How long a failover may take: node timeout 2 s, the replica's election, gossip. */
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisProcess> nodes = new ArrayList<>();
    private Path dir;
    private @Nullable RedisClusterClient client;
    private @Nullable StatefulRedisClusterConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String server = ExternalTools.require("redis-server", "redis-server");
        String cli = ExternalTools.require("redis-cli", "redis-tools");
        dir = Files.createTempDirectory("redis-cluster-test");
        try {
            for (int i = 0; i < 2 * MASTERS; i++) {
                int port = ExternalTools.freePort();
                // The bus port is given explicitly: port + 10000, Redis's default, may be taken or out of range.
                nodes.add(RedisProcess.server(
                        server,
                        port,
                        dir.resolve(Integer.toString(port)),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                        "--cluster-port",
                        Integer.toString(ExternalTools.freePort())));
            }
            List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
            nodes.forEach(n -> create.add(n.address()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            ExternalTools.Result r = ExternalTools.run(dir, null, create);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + r.output());
            }
            awaitHealthy();
        } catch (Exception | Error e) {
            afterAll(context);
            throw e;
        }
    }

    /**
     * Waits until every running node says {@code cluster_state:ok} and sees every other running node, and every
     * running replica is in sync with its master (a replica that never synced cannot take over).
     */
    public void awaitHealthy() {
        RedisProcess.await(FAILOVER_TIMEOUT, "every node reports cluster_state:ok, every replica in sync", () -> {
            for (RedisProcess n : running()) {
                try {
                    if (!"ok".equals(n.info("cluster-info", "cluster_state"))
                            || "slave".equals(n.info("replication", "role"))
                                    && !"up".equals(n.info("replication", "master_link_status"))) {
                        return false;
                    }
                    for (String line : clusterNodes(n)) {
                        String[] f = line.split(" ");
                        boolean up = running().stream().anyMatch(r -> f[1].startsWith(r.address() + "@"));
                        if (up && (f[2].contains("fail") || !f[7].equals("connected"))) {
                            return false;
                        }
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * The seed nodes as {@code --redis-url} takes them with {@code --redis-cluster}: the masters' addresses after
     * one scheme, {@code redis://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}.
     */
    public String seedUrl() {
        return "redis://" + masters().stream().map(RedisProcess::address).collect(Collectors.joining(","));
    }

    /** Every node, running or not. */
    public List<RedisProcess> nodes() {
        return nodes;
    }

    /** The nodes whose process runs. */
    public List<RedisProcess> running() {
        return nodes.stream().filter(RedisProcess::alive).toList();
    }

    /** The running masters that own slots, as a running node sees them. */
    public List<RedisProcess> masters() {
        List<RedisProcess> masters = new ArrayList<>();
        for (String line : clusterNodes(running().get(0))) {
            String[] f = line.split(" ");
            if (f[2].contains("master") && !f[2].contains("fail") && f.length > 8) {
                byAddress(f[1]).filter(RedisProcess::alive).ifPresent(masters::add);
            }
        }
        return masters;
    }

    /** The master that owns {@code key}'s slot. */
    public RedisProcess masterOf(String key) {
        int slot = SlotHash.getSlot(key);
        for (String line : clusterNodes(running().get(0))) {
            String[] f = line.split(" ");
            if (!f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] range = f[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return byAddress(f[1]).orElseThrow();
                }
            }
        }
        throw new IllegalStateException("no master owns slot " + slot);
    }

    /** The running replica of {@code master}. */
    public RedisProcess replicaOf(RedisProcess master) {
        String masterId = null;
        List<String> lines = clusterNodes(running().get(0));
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f[1].startsWith(master.address() + "@")) {
                masterId = f[0];
            }
        }
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f[3].equals(masterId) && !f[2].contains("fail")) {
                return byAddress(f[1]).orElseThrow();
            }
        }
        throw new IllegalStateException("no replica of " + master);
    }

    /**
     * {@code kill -9} of {@code master}, then waits until its replica owns its slots and every running node says
     * {@code cluster_state:ok}. Returns how long that took.
     */
    public Duration killMaster(RedisProcess master) throws InterruptedException {
        long start = System.nanoTime();
        master.kill();
        awaitPromotion(master);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Waits until {@code gone} (killed) owns no slots in any running node's view (its replica took them: a failed
     * master keeps its slots until then) and the cluster is healthy.
     */
    public void awaitPromotion(RedisProcess gone) {
        RedisProcess.await(FAILOVER_TIMEOUT, "a replica took over the slots of " + gone, () -> {
            for (RedisProcess n : running()) {
                try {
                    for (String line : clusterNodes(n)) {
                        String[] f = line.split(" ");
                        if (f[1].startsWith(gone.address() + "@") && f.length > 8) {
                            return false;
                        }
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
        awaitHealthy();
    }

    /** Starts {@code node} again (a killed master comes back as a replica) and waits for a healthy cluster. */
    public void restart(RedisProcess node) {
        node.start();
        awaitHealthy();
    }

    /** {@code FLUSHALL} on every master. */
    public void flushAll() {
        for (RedisProcess m : masters()) {
            m.call("FLUSHALL");
        }
    }

    /**
     * A cluster-aware client for assertions, its topology refreshed every second and on redirects, as any tool
     * reading {@code client:<id>:status} on a cluster would be; commands time out after 2 s.
     */
    public synchronized RedisAdvancedClusterCommands<String, String> commands() {
        if (connection == null) {
            client = RedisClusterClient.create(seedUrl());
            client.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(1))
                            .build())
                    // A command for a dead master fails after 2 s instead of a minute: assertions retry.
                    .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2)))
                    .build());
            connection = client.connect();
        }
        return connection.sync();
    }

    private static List<String> clusterNodes(RedisProcess n) {
        return List.of(String.valueOf(n.call("CLUSTER", "NODES")).split("\n"));
    }

    private Optional<RedisProcess> byAddress(String nodeAddress) {
        return nodes.stream()
                .filter(n -> nodeAddress.startsWith(n.address() + "@"))
                .findFirst();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        nodes.forEach(RedisProcess::close);
    }
}
