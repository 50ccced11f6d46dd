package io.serpentis.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.internal.ChannelErrors;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.registry.ClientRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage of the pipeline once upgraded: hands complete WebSocket messages, close frames and liveness events
 * to the connection's {@link WsSession}, flushes once per read burst, and stops reading while the peer does not
 * drain what it is sent (so an unread backlog is bounded by the write-buffer watermark). In {@link Mode#ECHO}
 * (conformance testing only) it echoes data messages instead. Not sharable.
 */
public final class WsFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WsFrameHandler.class);
    /** Unexpected errors repeat when something is broken for every connection: one WARN per 5 s, the rest DEBUG. */
    private static final RateLimitedLog UNEXPECTED = new RateLimitedLog(log, Duration.ofSeconds(5));

    /** What the endpoint does with data messages. */
    public enum Mode {
        /** The status protocol. */
        STATUS,
        /** Echo every data message (Autobahn|Testsuite); everything else behaves as in STATUS. */
        ECHO
    }

    private final ClientRegistry registry;
    private final WsMessageCodec codec;
    private final Supplier<String> redisStatus;
    private final WsConfig config;
    private final Mode mode;
    private final WsMetricsRecorder metrics;
    private final String httpRoutingStage;
    private @Nullable WsSession session;

    /**
     * @param redisStatus the store's {@code redis_status}, read for every ack (a cheap volatile read)
     * @param httpRoutingStage the name of the HTTP routing stage, removed once the WebSocket is open
     */
    public WsFrameHandler(ClientRegistry registry, WsMessageCodec codec, Supplier<String> redisStatus,
            WsConfig config, WsMetricsRecorder metrics, Mode mode, String httpRoutingStage) {
        this.metrics = metrics;
        this.registry = registry;
        this.codec = codec;
        this.redisStatus = redisStatus;
        this.config = config;
        this.mode = mode;
        this.httpRoutingStage = httpRoutingStage;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            WsSession s = new WsSession(ctx, registry, codec, redisStatus, config, metrics);
            session = s;
            metrics.connectionOpened();
            ctx.channel().attr(WsSession.KEY).set(s);
            if (ctx.pipeline().get(httpRoutingStage) != null) {
                ctx.pipeline().remove(httpRoutingStage);
            }
            LivenessHandler liveness = ctx.pipeline().get(LivenessHandler.class);
            if (liveness != null) {
                liveness.webSocketOpened();
            }
        } else if (evt == LivenessHandler.Event.PING_DUE && session != null) {
            session.onPingDue();
        } else if (evt == LivenessHandler.Event.TIMED_OUT && session != null) {
            session.onTimedOut();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        WsSession s = session;
        if (s == null || !(msg instanceof WebSocketFrame)) {
            ReferenceCountUtil.release(msg); // nothing else should reach the end of the pipeline
            return;
        }
        if (mode == Mode.ECHO && (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)) {
            ctx.write(msg); // ownership passes to the outbound side
            return;
        }
        try {
            if (msg instanceof TextWebSocketFrame text) {
                long started = System.nanoTime();
                s.onText(text.content());
                metrics.messageProcessed(System.nanoTime() - started);
            } else if (msg instanceof BinaryWebSocketFrame) {
                s.onBinary();
            } else if (msg instanceof CloseWebSocketFrame close) {
                s.onCloseFrame(close);
            }
            // Pings are answered by the protocol stage, pongs dropped there; a stray continuation frame was
            // already refused by the decoder.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // Backpressure: a peer that does not read its acks stops being read, so it cannot grow our buffers; the
        // session closes it if that lasts the slow-consumer timeout.
        boolean writable = ctx.channel().isWritable();
        ctx.channel().config().setAutoRead(writable);
        if (session != null) {
            session.onWritabilityChanged(writable);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        WsSession s = session;
        if (s != null) {
            s.onInactive();
        }
        super.channelInactive(ctx);
    }

    private @Nullable String clientId() {
        WsSession s = session;
        return s == null ? null : s.clientId();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WsSession s = session;
        if (s != null && cause instanceof CorruptedWebSocketFrameException corrupted) {
            if (corrupted.closeStatus().code() == WsCloseCodes.TOO_BIG.code()) {
                s.onTooBig(true);
            } else {
                s.onProtocolViolation(corrupted.closeStatus());
            }
            ConnectionLog.debug(log, ctx.channel(), s.clientId(), "protocol violation: {}", cause.getMessage());
            return;
        }
        if (s != null && cause instanceof TooLongFrameException) {
            s.onTooBig(false);
            return;
        }
        if (cause instanceof PrematureChannelClosureException) {
            // The channel closed while the aggregator held part of a fragmented message: the peer dropped the
            // connection, or it was closed after a close frame or a protocol violation (Autobahn 5.x, 6.4.x, 7.1.5).
            // Not a gateway error: channelInactive records why the connection ended (a drop is "connection lost").
            ConnectionLog.debug(log, ctx.channel(), clientId(), "closed inside a fragmented message");
            return;
        }
        if (ChannelErrors.isExpected(cause)) {
            ConnectionLog.debug(log, ctx.channel(), clientId(), "{}", cause.toString());
            ctx.close();
            return;
        }
        ConnectionLog.warn(UNEXPECTED, ctx.channel(), clientId(), "unexpected error", cause);
        if (s != null) {
            s.onInternalError();
        } else {
            ctx.close();
        }
    }
}
