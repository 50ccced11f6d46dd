package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.serpentis.gateway.logging.ConnectionLog;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only stage of a socket refused at accept for its address ({@code ConnectionLimiter}): writes a fixed,
 * pre-encoded answer ({@link #encode}) without decoding anything, half-closes, discards whatever the peer sends, and
 * closes when the peer does or {@value #LINGER_MILLIS} ms after the answer at the latest. Reading on rather than
 * closing at once lets the answer arrive: closing a socket that holds unread bytes (the request, which is usually
 * on its way) makes the kernel send a reset, which can destroy the answer in flight. Not sharable.
 */
public final class AcceptRefusalHandler extends ChannelInboundHandlerAdapter {
    /** The longest a refused socket is kept open, draining, after its answer was written. */
    public static final long LINGER_MILLIS = 1000;

    private static final Logger log = LoggerFactory.getLogger(AcceptRefusalHandler.class);

    private final byte[] response;
    private @Nullable ScheduledFuture<?> linger;

    /** Answers with {@code response}, the bytes of a complete HTTP/1.1 response ({@link #encode}). */
    public AcceptRefusalHandler(byte[] response) {
        this.response = response;
    }

    /**
     * The bytes of the response a refusal at accept is answered with: the same status line, headers and
     * {@code {"detail": ...}} body as {@link AccessPolicy.Denial#toResponse} gives the refusals of an upgrade
     * ({@code Retry-After}, {@code Connection: close}, {@code Content-Type: application/json}, the security headers).
     * Encoded once, when the pipeline's shared objects are built.
     */
    public static byte[] encode(
            HttpResponses responses, HttpResponseStatus status, String detail, int retryAfterSeconds) {
        FullHttpResponse r = new AccessPolicy.Denial(status, detail, null, retryAfterSeconds)
                .toResponse(responses, UnpooledByteBufAllocator.DEFAULT);
        try {
            StringBuilder head = new StringBuilder(256)
                    .append(r.protocolVersion())
                    .append(' ')
                    .append(r.status())
                    .append("\r\n");
            for (Map.Entry<String, String> h : r.headers()) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
            byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
            ByteBuf body = r.content();
            byte[] out = Arrays.copyOf(headBytes, headBytes.length + body.readableBytes());
            body.getBytes(body.readerIndex(), out, headBytes.length, body.readableBytes());
            return out;
        } finally {
            r.release();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener((ChannelFuture f) -> {
            if (f.isSuccess() && f.channel() instanceof DuplexChannel socket) {
                socket.shutdownOutput(); // FIN right after the answer; the peer closes its side when it has read it
            } else {
                f.channel().close();
            }
        });
        linger = ctx.executor()
                .schedule(
                        () -> {
                            ctx.close();
                        },
                        LINGER_MILLIS,
                        TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // the request is never looked at
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (linger != null) {
            linger.cancel(false);
            linger = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A refused peer that resets or vanishes is nothing to report.
        ConnectionLog.debug(log, ctx.channel(), null, "refused socket: {}", cause.toString());
        ctx.close();
    }
}
