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
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.internal.ChannelErrors;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.logging.RateLimitedLog;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage of a WebSocket endpoint once upgraded, with what every endpoint shares written once: when the
 * handshake completes it creates the connection ({@link #open}), removes the HTTP routing stage and switches the
 * liveness stage to pings; then it hands the connection complete messages, close frames, liveness events,
 * writability changes and the decoder's refusals, releases every frame, flushes once per read burst and maps any
 * failure to one close path. Subclasses add what their endpoint does. Not sharable.
 *
 * <p>Messages are reassembled by Netty's {@link WebSocketFrameAggregator}, added in front of this stage with the
 * first fragmented message a connection sends (and kept from then on), so that the many clients that never
 * fragment do not carry it (about 110 bytes per idle connection). Until then every data frame that arrives is final:
 * the frame decoder refuses a continuation frame outside a fragmented message.
 *
 * @param <C> the endpoint's connection
 */
public abstract class WsEndpointHandler<C extends WsConnection> extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WsEndpointHandler.class);
    /** Unexpected errors repeat when something is broken for every connection: one WARN per 5 s, the rest DEBUG. */
    private static final RateLimitedLog UNEXPECTED = new RateLimitedLog(log, Duration.ofSeconds(5));

    private final String httpRoutingStage;
    private final String aggregatorStage;
    private final int maxMessageBytes;
    private @Nullable C connection;

    /**
     * @param httpRoutingStage the name of the HTTP routing stage, removed once the WebSocket is open
     * @param aggregatorStage the name under which the frame aggregator is added, with the first fragmented message
     * @param maxMessageBytes the largest message the aggregator assembles
     */
    protected WsEndpointHandler(String httpRoutingStage, String aggregatorStage, int maxMessageBytes) {
        this.httpRoutingStage = httpRoutingStage;
        this.aggregatorStage = aggregatorStage;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Creates the connection once its handshake completed. */
    protected abstract C open(ChannelHandlerContext ctx);

    /** The pipeline now speaks WebSocket only: the endpoint may start its work (or refuse the connection). */
    protected void opened(C connection) {}

    /** The connection, once the handshake completed. */
    protected final @Nullable C connection() {
        return connection;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        C c = connection;
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            c = open(ctx);
            connection = c;
            if (ctx.pipeline().get(httpRoutingStage) != null) {
                ctx.pipeline().remove(httpRoutingStage);
            }
            LivenessHandler liveness = ctx.pipeline().get(LivenessHandler.class);
            if (liveness != null) {
                liveness.webSocketOpened();
            }
            opened(c);
        } else if (evt == LivenessHandler.Event.PING_DUE && c != null) {
            c.handshake().ping();
        } else if (evt == LivenessHandler.Event.TIMED_OUT && c != null) {
            c.onTimedOut();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof WebSocketFrame frame && !frame.isFinalFragment() && isDataFrame(frame)) {
            aggregateFrom(ctx, frame);
            return;
        }
        C c = connection;
        try {
            if (c == null) {
                return; // nothing else should reach the end of the pipeline
            }
            if (msg instanceof TextWebSocketFrame text) {
                c.onText(text.content());
            } else if (msg instanceof BinaryWebSocketFrame) {
                c.onBinary();
            } else if (msg instanceof CloseWebSocketFrame close) {
                c.handshake().onCloseFrame(close);
            }
            // Pings are answered by the protocol stage, pongs dropped there; a stray continuation frame was
            // already refused by the decoder.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Whether {@code frame} starts or is a data message (text or binary), not a control frame. */
    protected static boolean isDataFrame(WebSocketFrame frame) {
        return frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
    }

    /**
     * The first fragment of a message reached this stage, so no aggregator stands in front of it yet: adds one and
     * hands it the fragment (and the aggregator owns it from here); the rest of the message, and every later
     * fragmented one, passes through it and arrives here whole.
     */
    private void aggregateFrom(ChannelHandlerContext ctx, WebSocketFrame first) throws Exception {
        WebSocketFrameAggregator aggregator = new WebSocketFrameAggregator(maxMessageBytes);
        ctx.pipeline().addBefore(ctx.name(), aggregatorStage, aggregator);
        aggregator.channelRead(ctx.pipeline().context(aggregator), first);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush(); // one flush per read burst, however many replies it produced
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        C c = connection;
        if (c != null) {
            c.onWritabilityChanged(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        C c = connection;
        if (c != null) {
            c.handshake().onInactive();
            c.onInactive();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        C c = connection;
        String clientId = c == null ? null : c.clientId();
        if (c != null && cause instanceof CorruptedWebSocketFrameException corrupted) {
            c.onCloseSentByDecoder(corrupted.closeStatus());
            ConnectionLog.debug(log, ctx.channel(), clientId, "protocol violation: {}", cause.getMessage());
            return;
        }
        if (c != null && cause instanceof TooLongFrameException) {
            c.onTooBig();
            return;
        }
        if (cause instanceof PrematureChannelClosureException) {
            // The channel closed while the aggregator held part of a fragmented message: the peer dropped the
            // connection, or it was closed after a close frame or a protocol violation (Autobahn 5.x, 6.4.x, 7.1.5).
            // Not a gateway error: the connection records why it ended (a drop is "connection lost").
            ConnectionLog.debug(log, ctx.channel(), clientId, "closed inside a fragmented message");
            return;
        }
        if (ChannelErrors.isExpected(cause)) {
            ConnectionLog.debug(log, ctx.channel(), clientId, "{}", cause.toString());
            ctx.close();
            return;
        }
        ConnectionLog.warn(UNEXPECTED, ctx.channel(), clientId, "unexpected error", cause);
        if (c != null) {
            c.onInternalError();
        } else {
            ctx.close();
        }
    }
}
