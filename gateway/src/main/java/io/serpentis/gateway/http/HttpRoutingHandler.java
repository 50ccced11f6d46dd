package io.serpentis.gateway.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.internal.ChannelErrors;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.ConnectionMetrics.HttpConnectionError;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.security.Admission;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every HTTP request that is not a WebSocket upgrade of one of the {@link WsEndpoint}s, through the shared
 * {@link HttpRouter}; upgrades go on to the protocol stage once the endpoint's access rules pass. A request naming a
 * host the gateway does not serve is refused first, whatever it asks for ({@link AccessPolicy#checkHost}). Responses
 * leave in request order even when a route answers later (HTTP/1.1 pipelining): requests that arrive meanwhile wait
 * in a small bounded queue. Not sharable (that queue is per connection).
 */
public final class HttpRoutingHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpRoutingHandler.class);
    private static final int MAX_PIPELINED = 16;
    /** Failures that repeat for every request when something is broken: one WARN per 5 s, the rest DEBUG. */
    private static final RateLimitedLog FAILURES = new RateLimitedLog(log, Duration.ofSeconds(5));

    private final HttpRouter router;
    private final Map<String, WsEndpoint> endpoints;
    private final @Nullable GatewayMetrics metrics;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;
    /** The last response said {@code Connection: close}: nothing after it is answered. */
    private boolean closing;

    /** Routes requests through {@code router}; upgrades of {@code wsPath} go to the protocol stage. */
    public HttpRoutingHandler(HttpRouter router, String wsPath) {
        this(router, Map.of(wsPath, WsEndpoint.of(wsPath)), null);
    }

    /**
     * Routes requests through {@code router}; upgrades of the endpoints' paths go to the protocol stage. Connection
     * errors are counted in {@code metrics} ({@code null}: not counted).
     */
    public HttpRoutingHandler(HttpRouter router, Map<String, WsEndpoint> endpoints, @Nullable GatewayMetrics metrics) {
        this.router = router;
        this.endpoints = endpoints;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            req.release();
            return;
        }
        if (busy) {
            if (waiting.size() >= MAX_PIPELINED) {
                req.release();
                ctx.close();
                return;
            }
            waiting.add(req);
            return;
        }
        process(ctx, req);
    }

    private void process(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            rejectMalformed(ctx, req);
            return;
        }
        // Before any route or upgrade: a browser on a rebound name must get nothing (README, Security).
        AccessPolicy.Denial misdirected = router.access().checkHost(req);
        if (misdirected != null) {
            boolean head = HttpMethod.HEAD.equals(req.method());
            req.release();
            write(ctx, misdirected.toResponse(router.responses(), ctx.alloc()), false, head);
            drain();
            return;
        }
        WsEndpoint endpoint = isUpgrade(req) ? endpoints.get(new QueryStringDecoder(req.uri()).rawPath()) : null;
        if (endpoint != null) {
            forwardUpgrade(ctx, req, endpoint);
            return;
        }
        dispatch(ctx, req);
    }

    private void forwardUpgrade(ChannelHandlerContext ctx, FullHttpRequest req, WsEndpoint endpoint) {
        String problem = null;
        if (!HttpMethod.GET.equals(req.method())) {
            problem = "A WebSocket upgrade must be a GET request";
        } else if (!req.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)) {
            problem = "Failed to open a WebSocket connection: missing Sec-WebSocket-Key header.";
        } else if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            problem = "Unsupported WebSocket version: only 13 (RFC 6455) is spoken";
        }
        if (problem != null) {
            FullHttpResponse r = router.responses().detail(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, problem);
            if (problem.startsWith("Unsupported")) {
                r.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            }
            req.release();
            write(ctx, HttpResponses.closing(endpoint.admin() ? noStore(r) : r), false, false);
            return;
        }
        // The single gate before the handshake. The dashboard feed follows the admin rules; a client's upgrade
        // passes the origin rule, the connection limits and client authentication.
        if (endpoint.admin()) {
            AccessPolicy.Denial denied =
                    router.access().checkAdminUpgrade(req, ctx.channel().remoteAddress());
            if (denied != null) {
                req.release();
                write(ctx, noStore(denied.toResponse(router.responses(), ctx.alloc())), false, false);
                return;
            }
        } else {
            AccessPolicy.ClientUpgrade upgrade = router.access().admitClient(req, ctx.channel());
            if (upgrade.denial() != null) {
                log.debug(
                        "[{}] upgrade of {} refused: {} {}",
                        ctx.channel().id().asShortText(),
                        sanitize(req.uri()),
                        upgrade.denial().status().code(),
                        upgrade.denial().detail());
                req.release();
                write(ctx, upgrade.denial().toResponse(router.responses(), ctx.alloc()), false, false);
                return;
            }
            ctx.channel().attr(Admission.KEY).set(upgrade.admission());
        }
        endpoint.prepare().accept(ctx.pipeline());
        ctx.fireChannelRead(req); // the protocol stage owns it now
    }

    private void dispatch(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = HttpMethod.HEAD.equals(req.method());
        CompletionStage<FullHttpResponse> pending;
        try {
            pending = route(ctx, req);
        } catch (RuntimeException e) {
            ConnectionLog.warn(
                    FAILURES, ctx.channel(), null, "route failed for {} {}", req.method(), sanitize(req.uri()), e);
            pending = CompletableFuture.completedFuture(router.responses()
                    .detail(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error"));
        } finally {
            req.release();
        }
        busy = true;
        pending.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                complete(ctx, response, error, keepAlive, head);
            } else {
                ctx.executor().execute(() -> complete(ctx, response, error, keepAlive, head));
            }
        });
    }

    private CompletionStage<FullHttpResponse> route(ChannelHandlerContext ctx, FullHttpRequest req) {
        AccessPolicy.Denial preflight = router.access().checkPreflight(req);
        if (preflight != null) {
            return done(preflight.toResponse(router.responses(), ctx.alloc()));
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.rawPath();
        HttpRouter.Match match = router.match(path);
        if (match == null) {
            return done(router.responses().detail(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "Not Found"));
        }
        CompletionStage<FullHttpResponse> answer = answer(ctx, req, uri, path, match);
        // Operator data and refusals are never kept by a browser or a shared cache, whoever asks.
        return match.endpoint().guard() == HttpRouter.Guard.PUBLIC
                ? answer
                : answer.thenApply(HttpRoutingHandler::noStore);
    }

    private CompletionStage<FullHttpResponse> answer(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            QueryStringDecoder uri,
            String path,
            HttpRouter.Match match) {
        HttpRouter.Endpoint endpoint = match.endpoint();
        if (!endpoint.allows(req.method())) {
            FullHttpResponse r =
                    router.responses().detail(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed");
            r.headers().set(HttpHeaderNames.ALLOW, endpoint.allowHeader());
            return done(r);
        }
        AccessPolicy.Denial denied = switch (endpoint.guard()) {
            case PUBLIC -> null;
            case ADMIN -> router.access().checkAdmin(req, ctx.channel().remoteAddress());
            case TOKEN_WHEN_CONFIGURED ->
                router.access().checkScrape(req, ctx.channel().remoteAddress());
        };
        if (denied != null) {
            FullHttpResponse r = denied.toResponse(router.responses(), ctx.alloc());
            r.headers().remove(HttpHeaderNames.CONNECTION); // a refused admin request keeps the connection
            return done(r);
        }
        // Decoded here once for every route: a malformed escape is the peer's mistake (400), never a route's (500).
        Map<String, List<String>> query = HttpExchange.decodeQuery(uri);
        if (query == null) {
            return done(router.responses()
                    .detail(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, HttpExchange.MALFORMED_QUERY));
        }
        return router.handle(
                endpoint,
                new HttpExchange(
                        req,
                        path,
                        match.params(),
                        query,
                        ctx.alloc(),
                        ctx.executor(),
                        ctx.channel().remoteAddress()));
    }

    private static FullHttpResponse noStore(FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return r;
    }

    /** Writes a route's answer; {@code response} and {@code error} are what its stage completed with. */
    private void complete(
            ChannelHandlerContext ctx,
            @Nullable FullHttpResponse response,
            @Nullable Throwable error,
            boolean keepAlive,
            boolean head) {
        FullHttpResponse r = response;
        if (error != null || r == null) {
            if (r != null) {
                r.release();
            }
            ConnectionLog.warn(FAILURES, ctx.channel(), null, "route failed", error);
            r = router.responses()
                    .detail(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        if (!ctx.channel().isActive()) {
            r.release();
            drain();
            return;
        }
        write(ctx, r, keepAlive, head);
        busy = false;
        if (closing) {
            drain();
            return;
        }
        FullHttpRequest next = waiting.poll();
        if (next != null) {
            process(ctx, next);
        }
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive, boolean head) {
        if (head) {
            // HEAD: the GET response's headers (Content-Length included) without its body.
            r.content().clear();
        }
        boolean close = !keepAlive
                || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(r.headers().get(HttpHeaderNames.CONNECTION));
        if (close) {
            closing = true;
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(r);
        }
    }

    private void rejectMalformed(ChannelHandlerContext ctx, FullHttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        req.release();
        if (cause instanceof PrematureChannelClosureException) {
            // The decoder's word for a connection closed inside a request head: nobody is left to answer.
            closedMidRequest(ctx);
            drain();
            ctx.close();
            return;
        }
        HttpResponseStatus status;
        String message;
        if (cause instanceof RejectedRequestException rejected) {
            status = rejected.status();
            message = rejected.detail();
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            message = "Request line too long";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "Request header fields too large";
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            message = "Request too large";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "Bad Request";
        }
        ConnectionLog.debug(log, ctx.channel(), null, "malformed request: {}", String.valueOf(cause));
        write(ctx, HttpResponses.closing(router.responses().detail(ctx.alloc(), status, message)), false, false);
        drain();
    }

    private static boolean isUpgrade(FullHttpRequest req) {
        return req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && req.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** Releases the requests still waiting: on a removal, and on the connection's end (Netty removes every handler). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        drain();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException) {
            closedMidRequest(ctx); // the aggregator's word for a connection closed inside a request body
        } else if (ChannelErrors.isExpected(cause)) {
            count(HttpConnectionError.RESET);
            ConnectionLog.debug(log, ctx.channel(), null, "{}", cause.toString());
        } else if (cause instanceof CorruptedWebSocketFrameException) {
            // A frame sent before the upgrade was answered (RFC 6455 section 4.1 says wait), read by the frame
            // decoder before the WebSocket stages were in place: the peer's doing, so no WARN.
            count(HttpConnectionError.PROTOCOL_ERROR);
            ConnectionLog.debug(log, ctx.channel(), null, "{}", cause.toString());
        } else {
            count(HttpConnectionError.UNEXPECTED);
            ConnectionLog.warn(FAILURES, ctx.channel(), null, "unexpected error", cause);
        }
        ctx.close();
    }

    /**
     * The connection closed with a request partly received: the peer went away mid-request, or the gateway closed
     * it after a 408. Expected peer behaviour: DEBUG, no stack trace.
     */
    private void closedMidRequest(ChannelHandlerContext ctx) {
        count(HttpConnectionError.INCOMPLETE_REQUEST);
        ConnectionLog.debug(log, ctx.channel(), null, "connection closed with a request partly received");
    }

    private void count(HttpConnectionError reason) {
        if (metrics != null) {
            metrics.connections().httpConnectionError(reason);
        }
    }

    private void drain() {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** A request URI as it may be logged: the path only (a query may hold a client token), truncated, printable. */
    static String sanitize(String uri) {
        int query = uri.indexOf('?');
        String s = query < 0 ? uri : uri.substring(0, query) + "?<query>";
        s = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return s.replaceAll("[\\p{Cntrl}]", "?");
    }
}
