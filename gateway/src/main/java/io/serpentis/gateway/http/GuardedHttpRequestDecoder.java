package io.serpentis.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.concurrent.ScheduledFuture;
import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.RefusalReason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's request decoder plus what it lets through and the one check that needs the byte stream:
 *
 * <ul>
 *   <li><b>Framing</b> (request smuggling, RFC 9112 sections 6.1 and 3.2): a {@code Transfer-Encoding} other than
 *       exactly {@code chunked}, a missing or repeated {@code Host} (HTTP/1.1), an HTTP version other than 1.0 and
 *       1.1, and header lines folded with obs-fold (a line starting with a space or tab, which Netty silently joins
 *       to the previous one) are refused. Netty itself already refuses {@code Content-Length} together with
 *       {@code Transfer-Encoding}, duplicate or malformed {@code Content-Length}, {@code chunked} not last, bare LF
 *       line endings and malformed chunks. A refused request becomes a failed decoder result (answered 400, or 505
 *       for the version, by {@link HttpRoutingHandler}, which then closes) and nothing after it on the connection
 *       is decoded.
 *   <li><b>Ambiguity</b>: a repeated {@code Authorization}, {@code Origin}, {@code Sec-WebSocket-Key},
 *       {@code Sec-WebSocket-Version}, {@code Sec-WebSocket-Protocol} or {@code Sec-WebSocket-Extensions} header is
 *       refused with 400 like the framing cases: the gateway reads the first copy, and a proxy in front that reads
 *       another would see a different request. RFC 6455 lets the last two be split over several lines; browsers
 *       send one.
 *   <li><b>Request timeout</b> (slowloris): a request must arrive complete, headers and body, within the timeout of
 *       its first byte, or it is answered 408 and the connection closed. A peer trickling bytes is not idle, so
 *       the idle timeout cannot catch it.
 * </ul>
 *
 * Refusals are counted in {@code gateway.security.refusals}. Not sharable.
 */
public final class GuardedHttpRequestDecoder extends HttpRequestDecoder {
    private static final Logger log = LoggerFactory.getLogger(GuardedHttpRequestDecoder.class);
    /** Headers the access rules or the handshake read, which must therefore appear at most once. */
    private static final List<String> SINGLE_HEADERS = List.of(
            "Authorization",
            "Origin",
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol",
            "Sec-WebSocket-Extensions");

    private final Duration timeout;
    private final HttpResponses responses;
    private final GatewayMetrics metrics;
    private @Nullable ScheduledFuture<?> deadline;
    /** A request started (a byte of it arrived) and its last content was not decoded yet. */
    private boolean inMessage;
    /** Scanning the current request's head: request line and header lines up to the empty line. */
    private boolean inHead;

    private boolean requestLineSeen;
    private int lineLength;
    private boolean obsFold;
    /** A request was refused: everything after it is discarded. */
    private boolean rejected;

    public GuardedHttpRequestDecoder(
            HttpDecoderConfig config, Duration requestTimeout, HttpResponses responses, GatewayMetrics metrics) {
        super(config);
        this.timeout = requestTimeout;
        this.responses = responses;
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (rejected) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!inMessage && in.isReadable()) {
            startMessage(ctx);
        }
        int start = in.readerIndex();
        int first = out.size();
        super.decode(ctx, in, out);
        if (inHead) {
            // The decoder consumes whole lines, so the bytes it took are exactly the head lines it parsed.
            scanHead(in, start, in.readerIndex());
        }
        for (int i = first; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest request) {
                inHead = false;
                check(request);
            }
            if (o instanceof HttpObject h && h.decoderResult().isFailure()) {
                refused(h.decoderResult().cause());
            }
            if (o instanceof LastHttpContent) {
                endMessage();
            }
        }
    }

    private void startMessage(ChannelHandlerContext ctx) {
        inMessage = true;
        inHead = true;
        requestLineSeen = false;
        lineLength = 0;
        obsFold = false;
        deadline = ctx.executor().schedule(() -> timedOut(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void endMessage() {
        inMessage = false;
        cancelDeadline();
    }

    /**
     * Finds obs-fold in the head: after the request line, a line that starts with SP or HTAB before the empty line
     * that ends the head (RFC 9112 section 5.2 lets a server refuse it with 400; joining it, as Netty does, lets a
     * proxy in front read the headers differently). Whitespace before the request line is skipped, as Netty does.
     */
    private void scanHead(ByteBuf in, int from, int to) {
        for (int i = from; i < to && inHead; i++) {
            byte b = in.getByte(i);
            if (b == '\n') {
                if (lineLength == 0 && requestLineSeen) {
                    inHead = false; // the empty line: the body (if any) follows
                } else if (lineLength > 0) {
                    requestLineSeen = true;
                }
                lineLength = 0;
            } else if (b != '\r') {
                if (lineLength == 0 && requestLineSeen && (b == ' ' || b == '\t')) {
                    obsFold = true;
                }
                lineLength++;
            }
        }
    }

    /** The checks on a head Netty accepted; a failure is set as the request's decoder result. */
    private void check(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return;
        }
        RejectedRequestException problem = null;
        HttpVersion version = request.protocolVersion();
        boolean http11 = version.majorVersion() == 1 && version.minorVersion() == 1;
        boolean http10 = version.majorVersion() == 1 && version.minorVersion() == 0;
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!http11 && !http10) {
            problem = new RejectedRequestException(
                    HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "HTTP version not supported: only HTTP/1.1 and HTTP/1.0 are spoken");
        } else if (obsFold) {
            problem = new RejectedRequestException(
                    HttpResponseStatus.BAD_REQUEST, "Bad Request: folded header lines (obs-fold) are not accepted");
        } else if (!codings.isEmpty()
                && !(codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"))) {
            problem = new RejectedRequestException(
                    HttpResponseStatus.BAD_REQUEST, "Bad Request: the only Transfer-Encoding accepted is chunked");
        } else if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
            problem = new RejectedRequestException(
                    HttpResponseStatus.BAD_REQUEST, "Bad Request: an HTTP/1.1 request needs exactly one Host header");
        } else {
            for (String name : SINGLE_HEADERS) {
                if (request.headers().getAll(name).size() > 1) {
                    problem = new RejectedRequestException(
                            HttpResponseStatus.BAD_REQUEST, "Bad Request: repeated " + name + " header");
                    break;
                }
            }
        }
        if (problem != null) {
            request.setDecoderResult(DecoderResult.failure(problem));
        }
    }

    /** Counts a refused request and stops decoding this connection (the routing stage answers and closes). */
    private void refused(Throwable cause) {
        if (rejected) {
            return;
        }
        rejected = true;
        cancelDeadline();
        metrics.security()
                .refused(
                        cause instanceof TooLongHttpLineException
                                ? RefusalReason.HTTP_URI_TOO_LONG
                                : cause instanceof TooLongHttpHeaderException
                                        ? RefusalReason.HTTP_HEADERS_TOO_LARGE
                                        : RefusalReason.HTTP_MALFORMED);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        deadline = null;
        if (!inMessage || rejected || !ctx.channel().isActive()) {
            return;
        }
        rejected = true;
        metrics.security().refused(RefusalReason.HTTP_TIMEOUT);
        // A slow or stalled peer is expected behaviour (and may be many): DEBUG, counted as http_timeout.
        ConnectionLog.debug(
                log, ctx.channel(), null, "request not complete within {}: 408", DurationConverter.format(timeout));
        FullHttpResponse r = HttpResponses.closing(responses.detail(
                ctx.alloc(),
                HttpResponseStatus.REQUEST_TIMEOUT,
                "Request not received in full within " + DurationConverter.format(timeout) + " (--request-timeout)"));
        // The encoder sits before this stage (towards the socket), so a write from here is encoded.
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline(); // the WebSocket handshake replaces this stage
        super.handlerRemoved0(ctx);
    }
}
