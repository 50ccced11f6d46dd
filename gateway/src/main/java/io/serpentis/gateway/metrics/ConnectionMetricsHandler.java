package io.serpentis.gateway.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First stage of the main port's pipeline: counts the bytes read from and written to the socket (HTTP and WebSocket
 * alike, as on the wire). Sharable: it holds only the meters.
 */
@ChannelHandler.Sharable
public final class ConnectionMetricsHandler extends ChannelDuplexHandler {
    private final ConnectionMetrics metrics;

    public ConnectionMetricsHandler(ConnectionMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = size(msg);
        if (n > 0) {
            metrics.bytesReceived(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = size(msg); // read before passing on: the buffer may be released once written
        if (n > 0) {
            metrics.bytesSent(n);
        }
        ctx.write(msg, promise);
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        return 0;
    }
}
