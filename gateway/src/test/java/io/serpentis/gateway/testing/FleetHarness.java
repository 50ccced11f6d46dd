package io.serpentis.gateway.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fleet of gateway processes ({@link GatewayProcess}: the jar, as operators run it) on one Redis deployment, each
 * with the node id the test gives it, stopped the ways a real node stops: {@link #kill} ({@code kill -9}),
 * {@link #pause}/{@link #resume} ({@code kill -STOP}/{@code -CONT}), {@link #terminate} (SIGTERM). Processes are
 * stopped by their own PIDs only; {@link #close} kills what is left.
 *
 * <pre>{@code
 * try (FleetHarness fleet = new FleetHarness("--redis-url", redis.url())) {
 *     GatewayProcess a = fleet.start("gw-a");
 *     GatewayProcess b = fleet.start("gw-b", "--fleet-lease", "5s");
 *     ...
 * }
 * }</pre>
 */
public final class FleetHarness implements AutoCloseable {
    private final List<String> redisArgs;
    private final Map<String, GatewayProcess> nodes = new LinkedHashMap<>();

    /** @param redisArgs how every node reaches Redis: {@code --redis-url ...}, with {@code --redis-cluster} */
    public FleetHarness(String... redisArgs) {
        this.redisArgs = List.of(redisArgs);
    }

    /** Starts node {@code nodeId} on a free port with {@code extraArgs}, and waits until it listens. */
    public GatewayProcess start(String nodeId, String... extraArgs) throws Exception {
        return startWithPrefix(List.of(), nodeId, extraArgs);
    }

    /**
     * Starts node {@code nodeId} behind {@code prefix} (a command that execs the rest, such as {@code setpriv}),
     * and waits until it listens.
     */
    public GatewayProcess startWithPrefix(List<String> prefix, String nodeId, String... extraArgs) throws Exception {
        GatewayProcess p =
                GatewayProcess.startWithPrefix(prefix, args(nodeId, extraArgs).toArray(new String[0]));
        GatewayProcess before = nodes.put(nodeId, p);
        if (before != null) {
            before.close();
        }
        return p;
    }

    /** The command-line arguments node {@code nodeId} is started with. */
    public List<String> args(String nodeId, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--node-id", nodeId));
        args.addAll(redisArgs);
        args.addAll(List.of(extraArgs));
        return args;
    }

    /**
     * Runs node {@code nodeId} with {@code extraArgs} to its end, for a start that must fail: its exit code and
     * what it printed (within {@code timeout}).
     */
    public ExternalTools.Result run(Duration timeout, String nodeId, String... extraArgs) {
        return ExternalTools.run(Path.of("."), null, timeout, GatewayProcess.command(args(nodeId, extraArgs)));
    }

    /** The running (or last started) process of {@code nodeId}. */
    public GatewayProcess node(String nodeId) {
        return Objects.requireNonNull(nodes.get(nodeId), nodeId + " was not started");
    }

    /** {@code kill -9} of {@code nodeId}; returns when the process is gone. */
    public void kill(String nodeId) throws InterruptedException {
        node(nodeId).kill();
    }

    /** {@code kill -STOP} of {@code nodeId}. */
    public void pause(String nodeId) {
        node(nodeId).pause();
    }

    /** {@code kill -CONT} of {@code nodeId}. */
    public void resume(String nodeId) {
        node(nodeId).resume();
    }

    /** SIGTERM to {@code nodeId}: a graceful stop. */
    public void terminate(String nodeId) {
        node(nodeId).terminate();
    }

    /** Kills every node still running. */
    @Override
    public void close() {
        nodes.values().forEach(GatewayProcess::close);
        nodes.clear();
    }
}
