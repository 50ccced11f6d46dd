package io.serpentis.gateway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Sentinel deployment for a test class: one master, one replica and three sentinels
 * ({@code redis-server --sentinel}, Debian's {@code redis-server} package) on free loopback ports, watching the master
 * as {@value #MASTER_NAME} with quorum 2, {@code down-after-milliseconds 2000} and {@code failover-timeout 6000}.
 * Register it as a {@code static} field with {@code @RegisterExtension}. Without {@code redis-server} the class is
 * skipped with the reason, except under {@code CI=true} ({@link ExternalTools#require}).
 *
 * <p>{@link #killMaster} sends {@code SIGKILL} to the current master and waits until every sentinel names the
 * promoted replica ({@link #awaitFailover} when the test killed it itself); {@link #restartOldMaster} brings the
 * killed one back as the new master's replica. Processes are stopped by their own PIDs only.
 */
public final class RedisSentinelExtension implements BeforeAllCallback, AfterAllCallback {
    /** The name the sentinels know the master by, after {@code #} in the URL. */
    public static final String MASTER_NAME = "serpentis";

    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisProcess> sentinels = new ArrayList<>();
    private String server;
    private Path dir;
    private RedisProcess master;
    private RedisProcess replica;
    private @Nullable RedisProcess killed;
    private @Nullable RedisClient client;
    private @Nullable StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = ExternalTools.require("redis-server", "redis-server");
        dir = Files.createTempDirectory("redis-sentinel-test");
        try {
            int masterPort = ExternalTools.freePort();
            master = RedisProcess.server(server, masterPort, dir.resolve("master"));
            replica = RedisProcess.server(
                    server,
                    ExternalTools.freePort(),
                    dir.resolve("replica"),
                    "--replicaof",
                    "127.0.0.1",
                    Integer.toString(masterPort));
            RedisProcess.await(
                    FAILOVER_TIMEOUT,
                    "the replica is in sync",
                    () -> "up".equals(replica.info("replication", "master_link_status")));
            for (int i = 0; i < 3; i++) {
                int port = ExternalTools.freePort();
                sentinels.add(RedisProcess.sentinel(
                        server,
                        port,
                        dir.resolve("sentinel-" + port),
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2\n"
                                + "sentinel down-after-milliseconds " + MASTER_NAME + " 2000\n"
                                + "sentinel failover-timeout " + MASTER_NAME + " 6000\n"
                                + "sentinel parallel-syncs " + MASTER_NAME + " 1\n"));
            }
            // A failover needs the sentinels to know the replica and each other (hello messages every 2 s).
            RedisProcess.await(FAILOVER_TIMEOUT, "every sentinel knows the replica and the other sentinels", () -> {
                for (RedisProcess s : sentinels) {
                    if (((List<?>) s.call("SENTINEL", "REPLICAS", MASTER_NAME)).size() != 1
                            || ((List<?>) s.call("SENTINEL", "SENTINELS", MASTER_NAME)).size() != 2) {
                        return false;
                    }
                }
                return true;
            });
        } catch (Exception | Error e) {
            afterAll(context);
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#serpentis}: Lettuce's Sentinel URL. */
    public String url() {
        return "redis-sentinel://"
                + sentinels.stream().map(RedisProcess::address).collect(Collectors.joining(",")) + "#" + MASTER_NAME;
    }

    /** The current master's process. */
    public RedisProcess master() {
        return master;
    }

    /** The current replica's process. */
    public RedisProcess replica() {
        return replica;
    }

    /** The sentinels. */
    public List<RedisProcess> sentinels() {
        return sentinels;
    }

    /**
     * {@code kill -9} of the master, then waits until every sentinel names the replica as the master and the
     * replica says it is one ({@link #awaitFailover}). Returns how long that took.
     */
    public Duration killMaster() throws InterruptedException {
        long start = System.nanoTime();
        master.kill();
        awaitFailover();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * After the master's process died: waits until every sentinel names the replica as the master and the replica
     * says it is one; from then on {@link #master()} is the promoted replica and {@link #replica()} the dead one.
     */
    public void awaitFailover() {
        RedisProcess old = master;
        RedisProcess promoted = replica;
        RedisProcess.await(FAILOVER_TIMEOUT, "the sentinels promoted " + promoted, () -> {
            try {
                for (RedisProcess s : sentinels) {
                    List<?> addr = (List<?>) s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                    if (!String.valueOf(promoted.port()).equals(addr.get(1))) {
                        return false;
                    }
                }
                return "master".equals(promoted.info("replication", "role"));
            } catch (RuntimeException e) {
                return false;
            }
        });
        master = promoted;
        replica = old;
        killed = old;
    }

    /** Starts the killed master again, as the new master's replica, and waits until it is in sync. */
    public void restartOldMaster() {
        RedisProcess old = killed;
        if (old == null) {
            throw new IllegalStateException("no master was killed");
        }
        old.close();
        RedisProcess restarted = RedisProcess.server(
                server,
                old.port(),
                dir.resolve("restarted-" + old.port()),
                "--replicaof",
                "127.0.0.1",
                Integer.toString(master.port()));
        replica = restarted;
        killed = null;
        RedisProcess.await(
                FAILOVER_TIMEOUT,
                "the old master is a replica in sync",
                () -> "up".equals(restarted.info("replication", "master_link_status")));
    }

    /**
     * Synchronous commands on the current master, through the sentinels (Lettuce asks them again after a
     * failover), for assertions as a tool reading {@code client:<id>:status} would make them.
     */
    public synchronized RedisCommands<String, String> commands() {
        if (connection == null) {
            client = RedisClient.create(url());
            connection = client.connect();
        }
        return connection.sync();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        sentinels.forEach(RedisProcess::close);
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }
}
