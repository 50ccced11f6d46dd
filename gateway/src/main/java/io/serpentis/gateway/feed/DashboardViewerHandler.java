package io.serpentis.gateway.feed;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.internal.ChannelErrors;
import io.serpentis.gateway.ws.LivenessHandler;
import io.serpentis.gateway.ws.WsCloseCodes;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage of a {@code /ws/dashboard} connection once upgraded (in place of the status protocol's frame
 * handler): registers the connection with the {@link DashboardFeed} as a {@link DashboardViewer}, hands it
 * snapshot requests, close frames, liveness events and writability changes, and unregisters it when the channel
 * closes. Not sharable.
 */
public final class DashboardViewerHandler extends ChannelInboundHandlerAdapter {
    /**
     * The subprotocol a browser may offer next to {@code bearer.<admin token>} (the browser's WebSocket API cannot
     * set an {@code Authorization} header); the gateway selects this one, so the token is never echoed.
     */
    public static final String SUBPROTOCOL = "serpentis.dashboard.v1";

    private static final Logger log = LoggerFactory.getLogger(DashboardViewerHandler.class);

    private final DashboardFeed feed;
    private final WsConfig wsConfig;
    private final String httpRoutingStage;
    private @Nullable DashboardViewer viewer;

    /**
     * @param httpRoutingStage the name of the HTTP routing stage, removed once the WebSocket is open
     */
    public DashboardViewerHandler(DashboardFeed feed, WsConfig wsConfig, String httpRoutingStage) {
        this.feed = feed;
        this.wsConfig = wsConfig;
        this.httpRoutingStage = httpRoutingStage;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        DashboardViewer v = viewer;
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            v = new DashboardViewer(ctx, feed, wsConfig);
            viewer = v;
            ctx.channel().attr(DashboardViewer.KEY).set(v);
            if (ctx.pipeline().get(httpRoutingStage) != null) {
                ctx.pipeline().remove(httpRoutingStage);
            }
            LivenessHandler liveness = ctx.pipeline().get(LivenessHandler.class);
            if (liveness != null) {
                liveness.webSocketOpened();
            }
            if (!feed.addViewer(v)) {
                feed.metrics().viewerDropped(DropReason.LIMIT);
                v.sendClose(WsCloseCodes.TRY_AGAIN_LATER);
            }
        } else if (evt == LivenessHandler.Event.PING_DUE && v != null) {
            v.onPingDue();
        } else if (evt == LivenessHandler.Event.TIMED_OUT && v != null) {
            v.onTimedOut();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DashboardViewer v = viewer;
        try {
            if (v == null) {
                return;
            }
            if (msg instanceof TextWebSocketFrame text) {
                v.onText(text.content());
            } else if (msg instanceof BinaryWebSocketFrame) {
                v.sendClose(WsCloseCodes.BINARY_UNSUPPORTED);
            } else if (msg instanceof CloseWebSocketFrame close) {
                v.onCloseFrame(close);
            }
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
        DashboardViewer v = viewer;
        if (v != null) {
            v.onWritabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        DashboardViewer v = viewer;
        if (v != null) {
            feed.removeViewer(v);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        DashboardViewer v = viewer;
        if (v != null && cause instanceof CorruptedWebSocketFrameException) {
            v.onCloseSentByDecoder(); // the decoder sent its close frame (1002, 1007 or 1009)
            log.debug("[{}] dashboard viewer protocol violation: {}", ctx.channel().id().asShortText(),
                    cause.getMessage());
            return;
        }
        if (v != null && cause instanceof TooLongFrameException) {
            v.sendClose(WsCloseCodes.TOO_BIG);
            return;
        }
        if (ChannelErrors.isExpected(cause)) {
            log.debug("[{}] {}", ctx.channel().id().asShortText(), cause.toString());
        } else {
            log.warn("[{}] unexpected error on a dashboard viewer", ctx.channel().id().asShortText(), cause);
        }
        ctx.close();
    }
}
