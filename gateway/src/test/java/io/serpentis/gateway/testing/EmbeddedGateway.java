package io.serpentis.gateway.testing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.serpentis.gateway.GatewayServerAccess;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.feed.DashboardFeed;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.pipeline.GatewayChannelInitializer;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.store.EmbeddedStatusStore;
import io.serpentis.gateway.ws.WsFrameHandler;
import io.serpentis.gateway.ws.WsMessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's real pipeline ({@link GatewayChannelInitializer}) on an {@link EmbeddedChannel}, with a client
 * side made of Netty's own WebSocket frame encoder (masking) and decoder, so that tests exchange frames while
 * every server stage runs as in production. Time is frozen at creation; advance it with
 * {@link #advanceSeconds}.
 *
 * <p>As Netty's own handler tests end with {@code assertFalse(ch.finish())}, {@link #close()} fails when the server
 * wrote something that no test read (see {@link #assertNoMoreFrames()}): an extra error frame, a second close, a
 * stray answer fails the test that caused it.
 */
public final class EmbeddedGateway implements AutoCloseable {
    public final LocalClientRegistry registry;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public final EmbeddedChannel channel;
    /** The dashboard feed, ticked only by {@link DashboardFeed#tick()}; extra passes run at once. */
    public final DashboardFeed feed;

    private final EmbeddedChannel clientEncoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
    private final EmbeddedChannel clientDecoder =
            new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
    /** Whether the server answered an upgrade: from then on it writes WebSocket frames. */
    private boolean upgraded;

    public EmbeddedGateway(GatewayConfig config) {
        this(config, false);
    }

    /**
     * With {@code routes}, HTTP requests go to the main port's real route table (the one
     * {@code GatewayServer.start()} builds, offloaded work run in place); without, every HTTP request is a 404.
     */
    public EmbeddedGateway(GatewayConfig config, boolean routes) {
        registry = new LocalClientRegistry(config.limits(), config.registry(), "embedded-test");
        JsonMapper json = JsonMapper.builder().build();
        HttpResponses responses = new HttpResponses(json);
        GatewayMetrics metrics = new GatewayMetrics(meters);
        EmbeddedStatusStore store = new EmbeddedStatusStore();
        HttpRouter router = routes
                ? GatewayServerAccess.routes(config, responses, registry, store, metrics)
                : HttpRouter.builder()
                        .responses(responses)
                        .access(new AccessPolicy(config.security(), metrics))
                        .build();
        feed = new DashboardFeed(
                registry,
                () -> "embedded",
                config.feed(),
                metrics.feed(),
                UnpooledByteBufAllocator.DEFAULT,
                json,
                DashboardFeed.Threads.manual(Runnable::run));
        registry.addListener(feed);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(new GatewayChannelInitializer(
                        config,
                        router,
                        new ConnectionLimiter(config.security().connections()),
                        registry,
                        () -> store.status().redisStatus(),
                        new WsMessageCodec(config.limits(), json.tokenStreamFactory()),
                        metrics,
                        WsFrameHandler.Mode.STATUS,
                        new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
                        feed));
    }

    /** Sends the upgrade request and returns the server's response head. */
    public String handshake() {
        return handshake("/ws");
    }

    /** Sends the upgrade request for {@code path} and returns the server's response head. */
    public String handshake(String path) {
        channel.writeInbound(Unpooled.copiedBuffer(
                "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n",
                StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            head.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        upgraded |= head.toString().startsWith("HTTP/1.1 101 ");
        return head.toString();
    }

    /** Sends {@code frame} as a masked client frame; takes ownership of it. */
    public void send(WebSocketFrame frame) {
        clientEncoder.writeOutbound(frame);
        for (ByteBuf b; (b = clientEncoder.readOutbound()) != null; ) {
            channel.writeInbound(b);
        }
        channel.runPendingTasks();
    }

    /** The next frame the server sent, or {@code null}; the caller releases it. */
    public WebSocketFrame read() {
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            clientDecoder.writeInbound(b);
        }
        return clientDecoder.readInbound();
    }

    /** The next text frame's content, or {@code null}. */
    public String readText() {
        WebSocketFrame f = read();
        if (f == null) {
            return null;
        }
        try {
            return f.content().toString(StandardCharsets.UTF_8);
        } finally {
            f.release();
        }
    }

    /** Writes {@code raw} (an HTTP request, as bytes on the wire) and returns everything the server wrote back. */
    public String http(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
        String out = drainOutbound();
        upgraded |= out.startsWith("HTTP/1.1 101 ");
        return out;
    }

    /**
     * Everything the server wrote since the last read, as text; a message that is not bytes (one no encoder took,
     * which a socket would refuse) as {@code <its class name>}.
     */
    public String drainOutbound() {
        StringBuilder out = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            if (o instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
            } else {
                out.append('<').append(o.getClass().getSimpleName()).append('>');
            }
            ReferenceCountUtil.release(o);
        }
        return out.toString();
    }

    /** Moves the channel's clock by {@code millis} and runs what became due. */
    public void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    /** Moves the channel's clock and runs what became due. */
    public void advanceSeconds(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    /**
     * Fails if the server wrote something no test has read: frames already decoded but not taken, or bytes still
     * queued on the channel (decoded into frames once the connection is upgraded, shown as text before). What it
     * finds is released, so that one stray message fails one assertion.
     */
    public void assertNoMoreFrames() {
        List<String> unread = new ArrayList<>();
        if (upgraded) {
            for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
                clientDecoder.writeInbound(b);
            }
        }
        for (Object o; (o = clientDecoder.readInbound()) != null; ) {
            unread.add(describe(o));
        }
        for (Object o; (o = channel.readOutbound()) != null; ) {
            unread.add(describe(o));
        }
        if (!unread.isEmpty()) {
            throw new AssertionError("the server wrote " + unread.size() + " message(s) that no test read: "
                    + String.join("; ", unread));
        }
    }

    /** A short description of {@code message} for a failure, which releases it. */
    private static String describe(Object message) {
        try {
            if (message instanceof CloseWebSocketFrame c) {
                return "CloseWebSocketFrame " + c.statusCode() + " '" + c.reasonText() + "'";
            }
            if (message instanceof TextWebSocketFrame t) {
                return "TextWebSocketFrame " + preview(t.text());
            }
            if (message instanceof WebSocketFrame f) {
                return f.getClass().getSimpleName() + " of " + f.content().readableBytes() + " bytes";
            }
            if (message instanceof ByteBuf b) {
                return b.readableBytes() + " bytes " + preview(b.toString(StandardCharsets.ISO_8859_1));
            }
            return String.valueOf(message);
        } finally {
            ReferenceCountUtil.release(message);
        }
    }

    private static String preview(String s) {
        return "'" + (s.length() > 200 ? s.substring(0, 200) + "..." : s) + "'";
    }

    /** Fails, after releasing everything, if the server wrote something no test read ({@link #assertNoMoreFrames}). */
    @Override
    public void close() {
        try {
            assertNoMoreFrames();
        } finally {
            channel.finishAndReleaseAll();
            feed.close();
            clientEncoder.finishAndReleaseAll();
            clientDecoder.finishAndReleaseAll();
        }
    }
}
