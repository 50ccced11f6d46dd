package io.serpentis.gateway.store;

import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.NoopConnection;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.StatusUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What does the write-behind spend on the CPU for one burst of N dirty clients, before and after the bytes go to
 * Redis? {@code buildBurst} runs the writer's real {@link WriteBurst}: take each record's changes, build its
 * arguments (as for a live client's update: one {@code HSET} each, or with {@code fenced}, a fleet member's fenced
 * write-script calls of 128 clients), queue the commands, then read every reply and record the write lag. Its
 * commands go to a {@link BurstCommands} that answers at once, as Redis would, so no time is spent on a network; each
 * command's arguments are encoded into a pooled direct buffer as Lettuce's event loop would, so that cost is
 * included (Lettuce's own command objects are not).
 * {@code dirtyOnly} is the cost of making the N clients dirty (one update each), included in {@code buildBurst}; the
 * difference is the burst itself. Good: a small fraction of a microsecond per client, so a burst of 512 stays well
 * under the flush interval.
 */
public class WriteBurstBenchmark extends AbstractGatewayBenchmark implements RedisMetrics.Source {

    @Param({"100", "512"})
    public int clients;

    /** A fleet member's writes (the fenced write script) rather than a single node's plain {@code HSET}. */
    @Param({"false", "true"})
    public boolean fenced;

    private LocalClientRegistry registry;
    private ClientRecord[] records;
    private StatusUpdate[] updates;
    private final NoopConnection conn = new NoopConnection("bench");
    private final AnsweringCommands commands = new AnsweringCommands();
    private final WriteQueue queue = new WriteQueue();
    private final ReplyAwaiter replies = new ReplyAwaiter(Duration.ofSeconds(2));
    private RedisMetrics metrics;
    private @Nullable FleetFencing fencing;

    @Setup
    public void setUp() {
        registry = new LocalClientRegistry(
                LimitsConfig.defaults(), RegistryConfig.defaults(), "bench", true, fenced, Timestamps::nowMicros);
        if (fenced) {
            fencing = new FleetFencing("bench");
            fencing.join(new NodeIdentity("bench", "1-aaaaaa", "http://127.0.0.1:1"));
        }
        records = new ClientRecord[clients];
        updates = new StatusUpdate[clients];
        for (int i = 0; i < clients; i++) {
            updates[i] = new StatusUpdate(
                    "client-" + i,
                    new String[] {"cpu_usage", "memory_usage", "client_state"},
                    new String[] {"83.8", "16.81", "running"});
            registry.apply(conn, updates[i]);
            records[i] = registry.find("client-" + i);
            records[i].takeStoreWrite(); // the registration's full write (a claim, when fenced)
            records[i].claimed(1_780_000_000_000_000L + i);
        }
        metrics = new RedisMetrics(new SimpleMeterRegistry(), this, 512);
    }

    @TearDown
    public void tearDown() {
        commands.close();
    }

    @Override
    public boolean redisUp() {
        return true;
    }

    @Override
    public int dirtyClients() {
        return queue.size();
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
        WriteBurst burst =
                new WriteBurst(commands, RedisScripts.CLIENTS_PER_CALL, 60_000, System.currentTimeMillis(), fencing);
        for (int i = 0; i < clients; i++) {
            bh.consume(registry.apply(conn, updates[i]));
            records[i].markQueued();
            burst.add(records[i]);
        }
        burst.flush();
        bh.consume(burst.settle(replies, queue, metrics));
        bh.consume(commands.sent);
    }

    /**
     * Answers every command at once, as Redis would when every write lands: {@code HSET} sets no new field, each
     * script call writes every key.
     */
    static final class AnsweringCommands implements BurstCommands {
        private static final CompletableFuture<Long> ZERO = CompletableFuture.completedFuture(0L);
        private static final CompletableFuture<Long> ONE = CompletableFuture.completedFuture(1L);

        /** Bytes encoded. */
        long sent;

        private final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024);

        /** Encodes {@code args} as Lettuce's event loop would; returns how many bytes that took. */
        private int encoded(RespArgs args) {
            out.clear();
            args.encode(out);
            return out.readableBytes();
        }

        @Override
        public CompletableFuture<Long> hset(RespArgs args) {
            sent += encoded(args);
            return ZERO;
        }

        @Override
        public CompletableFuture<Long> hdel(String key, String... fields) {
            sent += 16L * fields.length;
            return ONE;
        }

        @Override
        public CompletableFuture<Long> zadd(String key, double score, String member) {
            sent++;
            return ONE;
        }

        @Override
        public CompletableFuture<Long> zrem(String key, String member) {
            sent++;
            return ONE;
        }

        @Override
        public CompletableFuture<Long> sadd(String key, String member) {
            sent++;
            return ONE;
        }

        @Override
        public CompletableFuture<Long> srem(String key, String member) {
            sent++;
            return ONE;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> CompletableFuture<T> evalsha(ScriptOutputType type, RespArgs call) {
            sent += encoded(call);
            List<Long> written = new ArrayList<>(Collections.nCopies(call.keyCount(), 1L));
            return (CompletableFuture<T>)
                    CompletableFuture.completedFuture(type == ScriptOutputType.MULTI ? written : 1L);
        }

        @Override
        public void flush() {}

        void close() {
            out.release();
        }
    }
}
