package io.serpentis.gateway.feed;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.NoopConnection;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

/**
 * What does one dashboard feed tick cost when {@code clients} clients changed since the previous tick and
 * {@code viewers} dashboards watch? One operation is a whole tick of the real {@link DashboardFeed}: drain the
 * dirty ids, snapshot each changed record, encode one delta (JSON, once), and hand the same bytes to every viewer
 * through the real {@link DashboardViewerHandler} (a retained duplicate per viewer, one flush each), on channels
 * that release whatever they are given. The registry, feed, viewer and encoder are the production classes.
 *
 * <p>Good looks like: the cost grows with {@code clients} (encoding) and barely with {@code viewers} (a
 * duplicate and a write each), and a tick of 10,000 changed clients stays well under the 250 ms feed interval on
 * one core, so the feed thread's CPU share is small. Each viewer sits on its own (embedded) event loop here, so
 * the per-loop hand-off is counted once per viewer, the worst case; the gateway groups viewers by loop.
 *
 * <p>Run: {@code java -cp <benchmarks classpath> org.openjdk.jmh.Main DashboardFeedBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class DashboardFeedBenchmark {

    /** Clients that changed since the previous tick (all of them carry a typical reference-client status). */
    @Param({"100", "1000", "10000"})
    public int clients;

    /** Dashboards watching. */
    @Param({"1", "10", "50"})
    public int viewers;

    private DashboardFeed feed;
    private ClientRecord[] records;
    private EmbeddedChannel[] channels;
    private long round;

    @Setup(Level.Trial)
    public void setUp() {
        LocalClientRegistry registry =
                new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "bench");
        records = new ClientRecord[clients];
        for (int i = 0; i < clients; i++) {
            String id = "bench-client-" + i;
            registry.apply(
                    new NoopConnection(id),
                    new StatusUpdate(
                            id, new String[] {"client_state", "cpu_usage", "memory_usage", "timestamp"}, new String[] {
                                "running", Integer.toString(i % 100), "41.5", "2026-11-28T17:47:02.022003+00:00"
                            }));
            records[i] = registry.find(id);
        }
        GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
        feed = new DashboardFeed(
                registry,
                () -> "embedded",
                FeedConfig.defaults(),
                metrics.feed(),
                PooledByteBufAllocator.DEFAULT,
                JsonMapper.builder().build(),
                DashboardFeed.Threads.manual(Runnable::run));
        registry.addListener(feed);
        channels = new EmbeddedChannel[viewers];
        for (int v = 0; v < viewers; v++) {
            EmbeddedChannel ch = new EmbeddedChannel(
                    new ReleasingHandler(),
                    new DashboardViewerHandler(feed, WsConfig.defaults(), "httpRouting", "wsAggregator"));
            ch.pipeline()
                    .fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(
                            "/ws/dashboard", new DefaultHttpHeaders(), DashboardViewerHandler.SUBPROTOCOL));
            ch.runPendingTasks(); // the first snapshot
            channels[v] = ch;
        }
        feed.tick();
        runLoops();
    }

    /** The work of one tick after {@code clients} clients changed: drain, encode once, fan out, release. */
    @Benchmark
    public long tick() {
        round++;
        for (ClientRecord r : records) {
            feed.changed(r); // what the registry does on every update: mark the id dirty
        }
        feed.tick();
        runLoops();
        return feed.seq();
    }

    /** Baseline: marking the ids dirty alone (the listener's share, paid on the clients' event loops). */
    @Benchmark
    public int markDirtyOnly() {
        for (ClientRecord r : records) {
            feed.changed(r);
        }
        return records.length;
    }

    private void runLoops() {
        for (EmbeddedChannel ch : channels) {
            ch.runPendingTasks();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        feed.close();
    }

    /** Releases every outbound message, as a socket that writes instantly would. */
    private static final class ReleasingHandler extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }
    }
}
