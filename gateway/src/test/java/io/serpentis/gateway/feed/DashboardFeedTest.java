package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The feed with plain objects: the real registry and feed, viewers on {@link EmbeddedChannel}s carrying the real
 * {@link DashboardViewerHandler}. The feed is ticked by hand; frames are read as the viewer's handler wrote them.
 */
class DashboardFeedTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AtomicLong clock = new AtomicLong(1_795_000_000_000_000L);
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(), RegistryConfig.defaults(), "feed-test", false, () -> clock.addAndGet(1000));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Map<String, RecordingConnection> connections = new HashMap<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final GatewayMetrics metrics = new GatewayMetrics(meters);
    private DashboardFeed feed;

    private DashboardFeed feed(UnaryOperator<FeedConfig> change) {
        feed = new DashboardFeed(
                registry,
                () -> "embedded",
                change.apply(FeedConfig.defaults()),
                metrics.feed(),
                PooledByteBufAllocator.DEFAULT,
                JSON,
                DashboardFeed.Threads.manual(Runnable::run));
        registry.addListener(feed);
        return feed;
    }

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        if (feed != null) {
            feed.close();
        }
    }

    private EmbeddedChannel viewer() {
        EmbeddedChannel ch = stalledViewer();
        ch.runPendingTasks();
        return ch;
    }

    /** A viewer whose event loop runs nothing until the test says so (a busy or stuck loop). */
    private EmbeddedChannel stalledViewer() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new DashboardViewerHandler(feed, WsConfig.defaults(), "httpRouting", "wsAggregator"));
        ch.pipeline()
                .fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(
                        "/ws/dashboard", new DefaultHttpHeaders(), null));
        channels.add(ch);
        return ch;
    }

    private void update(String id, String... pairs) {
        String[] names = new String[pairs.length / 2];
        String[] values = new String[pairs.length / 2];
        for (int i = 0; i < pairs.length; i += 2) {
            names[i / 2] = pairs[i];
            values[i / 2] = pairs[i + 1];
        }
        registry.apply(connections.computeIfAbsent(id, RecordingConnection::new), new StatusUpdate(id, names, values));
    }

    /** Ticks the feed and runs what it handed to the viewers' event loops. */
    private void tick() {
        feed.tick();
        channels.forEach(EmbeddedChannel::runPendingTasks);
    }

    /** Every text message the viewer was sent since the last call, parsed. */
    private static List<JsonNode> messages(EmbeddedChannel ch) {
        List<JsonNode> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            WebSocketFrame f = (WebSocketFrame) o;
            try {
                if (f instanceof TextWebSocketFrame) {
                    out.add(JSON.readTree(f.content().toString(StandardCharsets.UTF_8)));
                } else {
                    out.add(JSON.createObjectNode()
                            .put("type", "close")
                            .put("code", ((CloseWebSocketFrame) f).statusCode()));
                }
            } finally {
                f.release();
            }
        }
        return out;
    }

    private static JsonNode only(List<JsonNode> messages) {
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    private double count(String meter, String... tags) {
        var c = meters.find(meter).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aNewViewerGetsASnapshotAtOnceThenDeltasOfWhatChanged() {
        feed(c -> c);
        update("a", "cpu_usage", "12.5");
        update("b", "client_state", "running");
        tick();

        EmbeddedChannel v = viewer();

        JsonNode snapshot = only(messages(v));
        assertThat(snapshot.path("type").asString()).isEqualTo("snapshot");
        assertThat(snapshot.path("part").asInt()).isEqualTo(1);
        assertThat(snapshot.path("parts").asInt()).isEqualTo(1);
        assertThat(snapshot.path("interval_ms").asInt()).isEqualTo(250);
        assertThat(snapshot.path("redis_status").asString()).isEqualTo("embedded");
        assertThat(snapshot.path("clients").propertyNames()).containsExactlyInAnyOrder("a", "b");
        assertThat(snapshot.path("clients").path("a").path("cpu_usage").asString())
                .isEqualTo("12.5");
        assertThat(snapshot.path("counts").path("connected").asInt()).isEqualTo(2);
        long seq = snapshot.path("seq").asLong();

        update("a", "cpu_usage", "50");
        tick();

        JsonNode delta = only(messages(v));
        assertThat(delta.path("type").asString()).isEqualTo("delta");
        assertThat(delta.path("seq").asLong()).isEqualTo(seq + 1);
        assertThat(delta.path("clients").propertyNames()).containsExactly("a");
        assertThat(delta.path("clients").path("a").path("cpu_usage").asString()).isEqualTo("50");
        assertThat(delta.path("clients").path("a").path("connected").asString()).isEqualTo("true");
        assertThat(delta.path("removed").size()).isZero();
        assertThat(delta.path("counts").path("total").asInt()).isEqualTo(2);
        assertThat(count("gateway.dashboard.snapshots.sent", "reason", "connect"))
                .isEqualTo(1);
    }

    @Test
    void manyUpdatesOfOneClientBetweenTicksMakeOneEntryWithTheLatestValues() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        messages(v);

        for (int i = 0; i < 1000; i++) {
            update("busy", "n", Integer.toString(i));
        }
        update("quiet", "n", "1");
        tick();

        JsonNode delta = only(messages(v));
        assertThat(delta.path("clients").propertyNames()).containsExactlyInAnyOrder("busy", "quiet");
        assertThat(delta.path("clients").path("busy").path("n").asString()).isEqualTo("999");
        assertThat(count("gateway.dashboard.deltas.encoded")).isEqualTo(1);
        assertThat(count("gateway.dashboard.delta.clients")).isEqualTo(2);
    }

    @Test
    void deltasAreNumberedWithoutGapsAndNothingIsSentWhenNothingChanged() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        long seq = only(messages(v)).path("seq").asLong();

        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            update("c" + i, "k", "v");
            tick();
            tick(); // nothing changed: no delta, no number used
            for (JsonNode m : messages(v)) {
                seen.add(m.path("seq").asLong());
            }
        }

        assertThat(seen).containsExactly(seq + 1, seq + 2, seq + 3, seq + 4, seq + 5);
        assertThat(feed.seq()).isEqualTo(seq + 5);
    }

    @Test
    void aDisconnectCarriesTheReasonAndAPurgeListsTheIdAsRemoved() {
        feed(c -> c);
        update("leaver", "k", "v");
        EmbeddedChannel v = viewer();
        messages(v);

        registry.release(connections.get("leaver"), "leaver", DisconnectReason.CLIENT);
        tick();
        JsonNode gone = only(messages(v));
        assertThat(gone.path("clients").path("leaver").path("connected").asString())
                .isEqualTo("false");
        assertThat(gone.path("clients").path("leaver").path("status_detail").asString())
                .isEqualTo("Disconnected by client");
        assertThat(gone.path("counts").path("disconnected").asInt()).isEqualTo(1);

        clock.addAndGet(TimeUnit.MINUTES.toMicros(5));
        assertThat(registry.purgeExpired()).isEqualTo(1);
        tick();
        JsonNode purged = only(messages(v));
        assertThat(purged.path("removed").get(0).asString()).isEqualTo("leaver");
        assertThat(purged.path("clients").size()).isZero();
        assertThat(purged.path("counts").path("total").asInt()).isZero();
    }

    @Test
    void everyViewerIsHandedTheSameBytes() {
        feed(c -> c);
        EmbeddedChannel v1 = viewer();
        EmbeddedChannel v2 = viewer();
        messages(v1);
        messages(v2);

        update("shared", "k", "v");
        tick();

        TextWebSocketFrame f1 = v1.readOutbound();
        TextWebSocketFrame f2 = v2.readOutbound();
        try {
            // Both frames wrap duplicates of one encoded buffer: encoded once, never copied per viewer.
            assertThat(f1.content().hasMemoryAddress()).isTrue();
            assertThat(f1.content().memoryAddress()).isEqualTo(f2.content().memoryAddress());
            assertThat(f1.content().toString(StandardCharsets.UTF_8))
                    .isEqualTo(f2.content().toString(StandardCharsets.UTF_8));
        } finally {
            f1.release();
            f2.release();
        }
        assertThat(count("gateway.dashboard.deltas.encoded")).isEqualTo(1);
        assertThat(count("gateway.dashboard.deltas.sent")).isEqualTo(2);
    }

    @Test
    void aLargeSnapshotComesInParts() {
        feed(c -> c);
        int clients = DashboardFeed.SNAPSHOT_PART_CLIENTS * 2 + 7;
        for (int i = 0; i < clients; i++) {
            update("many-" + i, "i", Integer.toString(i));
        }
        tick();

        List<JsonNode> parts = messages(viewer());

        assertThat(parts).hasSize(3);
        int total = 0;
        for (int i = 0; i < parts.size(); i++) {
            assertThat(parts.get(i).path("part").asInt()).isEqualTo(i + 1);
            assertThat(parts.get(i).path("parts").asInt()).isEqualTo(3);
            assertThat(parts.get(i).path("counts").path("total").asInt()).isEqualTo(clients);
            total += parts.get(i).path("clients").size();
        }
        assertThat(total).isEqualTo(clients);
    }

    @Test
    void aViewerThatAsksForASnapshotGetsOne() {
        feed(c -> c);
        update("x", "k", "v");
        EmbeddedChannel v = viewer();
        messages(v);

        v.writeInbound(new TextWebSocketFrame("{\"type\": \"snapshot\"}"));
        v.runPendingTasks();

        JsonNode snapshot = only(messages(v));
        assertThat(snapshot.path("type").asString()).isEqualTo("snapshot");
        assertThat(snapshot.path("clients").has("x")).isTrue();
        assertThat(count("gateway.dashboard.snapshots.sent", "reason", "requested"))
                .isEqualTo(1);
    }

    @Test
    void anUnknownMessageGetsAnErrorAndTheConnectionStays() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        messages(v);

        v.writeInbound(new TextWebSocketFrame("{\"type\": \"subscribe\"}"));

        assertThat(only(messages(v)).path("error").asString()).contains("{\"type\": \"snapshot\"}");
        assertThat(v.isOpen()).isTrue();
    }

    @Test
    void aViewerThatStopsReadingIsSkippedWithoutBufferingThenCatchesUpFromTheHistory() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        long seq = only(messages(v)).path("seq").asLong();

        stopReading(v);
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 20; j++) {
                update("churn-" + j, "i", Integer.toString(i));
            }
            tick();
            // Nothing is queued for a viewer that does not read: the server's memory does not grow with it.
            assertThat(v.unsafe().outboundBuffer().totalPendingWriteBytes()).isZero();
            assertThat(v.outboundMessages()).isEmpty();
        }
        assertThat(count("gateway.dashboard.deltas.skipped")).isEqualTo(50);

        startReading(v);

        List<JsonNode> caughtUp = messages(v);
        assertThat(caughtUp).extracting(m -> m.path("type").asString()).containsOnly("delta");
        assertThat(caughtUp)
                .extracting(m -> m.path("seq").asLong())
                .containsExactlyElementsOf(range(seq + 1, seq + 50));
        assertThat(count("gateway.dashboard.viewers.resynced", "via", "history"))
                .isEqualTo(1);
    }

    @Test
    void aViewerThatFellBehindTheHistoryGetsASnapshot() {
        feed(c -> c.withHistoryBytes(0)); // keeps only the latest delta
        update("a", "k", "v");
        EmbeddedChannel v = viewer();
        messages(v);

        stopReading(v);
        for (int i = 0; i < 3; i++) {
            update("a", "k", "v" + i);
            tick();
        }
        startReading(v);

        JsonNode resync = only(messages(v));
        assertThat(resync.path("type").asString()).isEqualTo("snapshot");
        assertThat(resync.path("seq").asLong()).isEqualTo(feed.seq());
        assertThat(resync.path("clients").path("a").path("k").asString()).isEqualTo("v2");
        assertThat(count("gateway.dashboard.snapshots.sent", "reason", "resync"))
                .isEqualTo(1);

        update("a", "k", "after");
        tick();
        assertThat(only(messages(v)).path("seq").asLong()).isEqualTo(feed.seq());
    }

    @Test
    void theHistoryIsBoundedByItsBudget() {
        feed(c -> c.withHistoryBytes(4096));
        EmbeddedChannel v = viewer();
        stopReading(v);
        for (int i = 0; i < 200; i++) {
            update("h", "payload", "x".repeat(500) + i);
            tick();
            assertThat(feed.historyBytes()).isLessThanOrEqualTo(4096 + 1024);
        }
        messages(v);
    }

    @Test
    void aViewerThatStaysUnwritableIsClosedWith4003() {
        feed(c -> c.withSlowViewerTimeout(Duration.ofSeconds(5)));
        EmbeddedChannel v = viewer();
        messages(v);

        stopReading(v);
        v.advanceTimeBy(4, TimeUnit.SECONDS);
        v.runScheduledPendingTasks();
        assertThat(v.outboundMessages()).isEmpty();

        v.advanceTimeBy(2, TimeUnit.SECONDS);
        v.runScheduledPendingTasks();

        assertThat(only(messages(v)).path("code").asInt()).isEqualTo(4003);
        assertThat(count("gateway.dashboard.viewers.dropped", "reason", "slow")).isEqualTo(1);
        v.advanceTimeBy(WsConfig.defaults().closeTimeout().toSeconds() + 1, TimeUnit.SECONDS);
        v.runScheduledPendingTasks();
        assertThat(v.isOpen()).isFalse();
        assertThat(feed.viewerCount()).isZero();
    }

    @Test
    void aViewerThatDrainsInTimeIsNotClosed() {
        feed(c -> c.withSlowViewerTimeout(Duration.ofSeconds(5)));
        EmbeddedChannel v = viewer();
        messages(v);

        stopReading(v);
        v.advanceTimeBy(4, TimeUnit.SECONDS);
        startReading(v);
        v.advanceTimeBy(10, TimeUnit.SECONDS);
        v.runScheduledPendingTasks();

        assertThat(messages(v)).isEmpty();
        assertThat(v.isOpen()).isTrue();
    }

    @Test
    void viewersBeyondTheLimitAreClosedWith1013() {
        feed(c -> c.withMaxViewers(1));
        messages(viewer());

        EmbeddedChannel second = viewer();

        assertThat(only(messages(second)).path("code").asInt()).isEqualTo(1013);
        assertThat(feed.viewerCount()).isEqualTo(1);
        assertThat(count("gateway.dashboard.viewers.dropped", "reason", "limit"))
                .isEqualTo(1);
    }

    @Test
    void aClosedViewerLeavesTheFeed() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        messages(v);
        assertThat(meters.get("gateway.dashboard.viewers").gauge().value()).isEqualTo(1);

        v.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        assertThat(only(messages(v)).path("code").asInt()).isEqualTo(1000); // RFC 6455 5.5.1: echoed
        assertThat(v.isOpen()).isFalse();

        assertThat(feed.viewerCount()).isZero();
        assertThat(meters.get("gateway.dashboard.viewers").gauge().value()).isZero();
    }

    @Test
    void aViewerWhoseEventLoopStallsHasAtMostOneSnapshotQueued() {
        feed(c -> c);
        update("a", "k", "v");
        EmbeddedChannel v = stalledViewer(); // its first pass queued a snapshot that its loop does not run yet

        for (int i = 0; i < 5; i++) {
            update("a", "k", "v" + i);
            feed.tick(); // the viewer still wants a snapshot: it has one queued, so none is encoded for it
        }

        assertThat(count("gateway.dashboard.snapshots.encoded")).isEqualTo(1);
        v.runPendingTasks();
        JsonNode snapshot = only(messages(v));
        assertThat(snapshot.path("type").asString()).isEqualTo("snapshot");
        tick(); // then it catches up from the history
        assertThat(messages(v))
                .extracting(m -> m.path("seq").asLong())
                .containsExactlyElementsOf(range(snapshot.path("seq").asLong() + 1, feed.seq()));
        assertThat(count("gateway.dashboard.snapshots.encoded")).isEqualTo(1);
    }

    @Test
    void aViewerThatDoesNotReadIsNotAnsweredSoNothingQueuesForIt() {
        feed(c -> c);
        EmbeddedChannel v = viewer();
        messages(v);

        stopReading(v);
        for (int i = 0; i < 100; i++) {
            v.writeInbound(new TextWebSocketFrame("{\"type\": \"subscribe\"}"));
        }
        assertThat(v.outboundMessages()).isEmpty();

        startReading(v);
        v.writeInbound(new TextWebSocketFrame("{\"type\": \"subscribe\"}"));
        assertThat(only(messages(v)).path("error").asString()).contains("{\"type\": \"snapshot\"}");
    }

    @Test
    void aViewerThatDrainsCancelsItsSlowViewerCheck() {
        feed(c -> c.withSlowViewerTimeout(Duration.ofSeconds(5)));
        EmbeddedChannel v = viewer();
        messages(v);

        for (int i = 0; i < 100; i++) {
            stopReading(v);
            startReading(v);
        }

        assertThat(v.runScheduledPendingTasks())
                .as("nanos to the next scheduled task; -1: none")
                .isEqualTo(-1);
        stopReading(v);
        v.advanceTimeBy(5, TimeUnit.SECONDS);
        v.runScheduledPendingTasks();
        assertThat(only(messages(v)).path("code").asInt()).isEqualTo(4003); // the check still works
    }

    /** Makes the channel unwritable, as a peer that stops reading does once the high watermark is passed. */
    private static void stopReading(EmbeddedChannel ch) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.runPendingTasks(); // the writability event is fired later, on the event loop
        assertThat(ch.isWritable()).isFalse();
    }

    private static void startReading(EmbeddedChannel ch) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void closingReleasesTheHistoryOnTheFeedThread() throws Exception {
        ScheduledExecutorService feedThread =
                Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-feed"));
        FreeingThreads alloc = new FreeingThreads();
        feed = new DashboardFeed(
                registry,
                () -> "embedded",
                FeedConfig.defaults(),
                metrics.feed(),
                alloc,
                JSON,
                DashboardFeed.Threads.on(feedThread));
        registry.addListener(feed);
        EmbeddedChannel v = new EmbeddedChannel();
        v.pipeline().addLast(new DashboardViewerHandler(feed, WsConfig.defaults(), "httpRouting", "wsAggregator"));
        v.pipeline()
                .fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(
                        "/ws/dashboard", new DefaultHttpHeaders(), null));
        feedThread.submit(() -> {}).get(); // behind the viewer's first pass
        v.runPendingTasks();
        assertThat(only(messages(v)).path("type").asString()).isEqualTo("snapshot");
        update("kept", "k", "v");
        feedThread.submit(feed::tick).get();
        v.runPendingTasks();
        assertThat(only(messages(v)).path("type").asString()).isEqualTo("delta");
        assertThat(feedThread.submit(feed::historyBytes).get()).isPositive();
        alloc.freedOn.clear(); // the viewer freed the snapshot; only the feed holds the delta now

        feed.close();

        assertThat(feedThread.isTerminated()).isTrue();
        assertThat(alloc.freedOn).containsExactly("test-feed");
        v.finishAndReleaseAll();
    }

    /** Heap buffers that note which thread frees them. */
    private static final class FreeingThreads extends AbstractByteBufAllocator {
        final Set<String> freedOn = ConcurrentHashMap.newKeySet();

        FreeingThreads() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
                @Override
                protected void deallocate() {
                    freedOn.add(Thread.currentThread().getName());
                    super.deallocate();
                }
            };
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
