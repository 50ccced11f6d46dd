package io.serpentis.gateway.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Closing a WebSocket connection the same way on every endpoint (client sessions and dashboard viewers). */
public final class WsClose {

    private WsClose() {}

    /**
     * Closes a connection whose peer went silent: sends the close frame for its benefit without waiting for an
     * answer, and closes once the frame is out, or when {@code timeout} passes at the latest (a peer that does not
     * read either may never let the frame out). Call on the channel's event loop.
     */
    public static void closeSilentPeer(ChannelHandlerContext ctx, WebSocketCloseStatus status, Duration timeout) {
        ctx.writeAndFlush(new CloseWebSocketFrame(status)).addListener(ChannelFutureListener.CLOSE);
        ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
