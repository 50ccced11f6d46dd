package io.serpentis.gateway.registry;

import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.NoopConnection;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Timestamps;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * How much does merging one update into the registry cost: registering a client it has never seen, updating a
 * client it holds (the common case), and an update with many attributes? {@code tracked} is the Redis mode, where
 * records also remember what changed for the write-behind. Good: a few hundred nanoseconds for the common case and
 * no allocation beyond map entries for attributes the client did not have yet.
 */
public class ClientRegistryBenchmark extends AbstractGatewayBenchmark {
    private static final int NEW_IDS = 1 << 16;

    @Param({"false", "true"})
    public boolean tracked;

    private LocalClientRegistry registry;
    private final NoopConnection conn = new NoopConnection("bench");
    private StatusUpdate existing;
    private StatusUpdate many;
    private StatusUpdate[] fresh;
    private int next;

    @Setup
    public void setUp() {
        registry = newRegistry();
        existing =
                new StatusUpdate("worker-1", new String[] {"cpu_usage", "memory_usage", "client_state"}, new String[] {
                    "83.8", "16.81", "running"
                });
        String[] names = new String[64];
        String[] values = new String[64];
        for (int i = 0; i < 64; i++) {
            names[i] = "metric_" + i;
            values[i] = Double.toString(i * 1.5);
        }
        many = new StatusUpdate("worker-2", names, values);
        registry.apply(conn, existing);
        registry.apply(conn, many);
        fresh = new StatusUpdate[NEW_IDS];
        for (int i = 0; i < NEW_IDS; i++) {
            fresh[i] = new StatusUpdate("new-" + i, existing.names(), existing.values());
        }
    }

    private LocalClientRegistry newRegistry() {
        return new LocalClientRegistry(
                LimitsConfig.defaults(), RegistryConfig.defaults(), "bench", tracked, Timestamps::nowMicros);
    }

    @Benchmark
    public UpdateOutcome existingClient() {
        return registry.apply(conn, existing);
    }

    @Benchmark
    public UpdateOutcome manyAttributes() {
        return registry.apply(conn, many);
    }

    /** Registers a client never seen; a fresh registry every 65,536 operations keeps the heap flat. */
    @Benchmark
    public UpdateOutcome newClient() {
        int i = next++ & (NEW_IDS - 1);
        if (i == 0) {
            registry = newRegistry();
        }
        return registry.apply(conn, fresh[i]);
    }
}
