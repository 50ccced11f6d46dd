package io.serpentis.gateway.store;

import io.serpentis.gateway.NoopConnection;
import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.StoreWrite;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What does the write-behind spend on the CPU to build one burst of N dirty clients (take each record's changes,
 * build its {@code HSET} arguments, as for a live client's update), before any byte goes to Redis? Lettuce's
 * encoding of those arguments happens later, on its event loop. {@code dirtyOnly} is the cost of making the N
 * clients dirty (one update each), included in {@code buildBurst}; the difference is the burst itself. Good: a
 * small fraction of a microsecond per client, so a burst of 512 stays well under the flush interval.
 */
public class WriteBurstBenchmark extends AbstractGatewayBenchmark {

    @Param({"100", "512"})
    public int clients;

    private LocalClientRegistry registry;
    private ClientRecord[] records;
    private StatusUpdate[] updates;
    private final NoopConnection conn = new NoopConnection("bench");

    @Setup
    public void setUp() {
        registry = new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "bench", true,
                Timestamps::nowMicros);
        records = new ClientRecord[clients];
        updates = new StatusUpdate[clients];
        for (int i = 0; i < clients; i++) {
            updates[i] = new StatusUpdate("client-" + i, new String[] {"cpu_usage", "memory_usage", "client_state"},
                    new String[] {"83.8", "16.81", "running"});
            registry.apply(conn, updates[i]);
            records[i] = registry.find("client-" + i);
            records[i].takeStoreWrite();
        }
    }

    @Benchmark
    public void dirtyOnly(Blackhole bh) {
        for (int i = 0; i < clients; i++) {
            bh.consume(registry.apply(conn, updates[i]));
            records[i].markQueued(); // as the store's listener does
        }
    }

    @Benchmark
    public void buildBurst(Blackhole bh) {
        for (int i = 0; i < clients; i++) {
            bh.consume(registry.apply(conn, updates[i]));
            records[i].markQueued();
            StoreWrite w = records[i].takeStoreWrite();
            bh.consume(RedisStatusStore.hsetArgs(w));
        }
    }
}
