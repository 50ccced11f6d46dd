package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import io.serpentis.gateway.config.SecurityConfig;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.testing.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class HttpRoutingHandlerTest {
    private final HttpResponses responses =
            new HttpResponses(JsonMapper.builder().build());
    private final CompletableFuture<FullHttpResponse> slow = new CompletableFuture<>();
    private final HttpRouter router = HttpRouter.builder()
            .responses(responses)
            .access(new AccessPolicy(SecurityConfig.defaults()))
            .route("/hello")
            .get()
            .to(ex -> CompletableFuture.completedFuture(
                    responses.json(ex.alloc(), HttpResponseStatus.OK, HttpResponses.object("hello", "world"))))
            .route("/slow")
            .get()
            .to(ex -> slow)
            .route("/clients/{client_id}/pause")
            .post()
            .to(ex -> CompletableFuture.completedFuture(
                    responses.message(ex.alloc(), "id=" + ex.pathParams().get(0))))
            .build();

    /** Stands in for the WebSocket protocol stage: records what the router passed on. */
    static final class Next extends ChannelInboundHandlerAdapter {
        final List<Object> received = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add(msg.getClass().getSimpleName());
            ReferenceCountUtil.release(msg);
        }
    }

    private final Next next = new Next();
    private final EmbeddedChannel ch = new EmbeddedChannel(new HttpRoutingHandler(router, "/ws"), next);

    private static FullHttpRequest request(HttpMethod method, String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER);
    }

    private FullHttpResponse response() {
        FullHttpResponse r = ch.readOutbound();
        assertThat(r).as("a response").isNotNull();
        return r;
    }

    private static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void answersUnknownPathsWith404InTheOriginalsShape() {
        ch.writeInbound(request(HttpMethod.GET, "/nope"));
        FullHttpResponse r = response();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(body(r)).isEqualTo("{\"detail\":\"Not Found\"}");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersWrongMethodsWith405AndAnAllowHeader() {
        ch.writeInbound(request(HttpMethod.POST, "/hello"));
        FullHttpResponse r = response();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(r.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET, HEAD");
        assertThat(body(r)).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersHeadLikeGetWithoutTheBody() {
        ch.writeInbound(request(HttpMethod.GET, "/hello"));
        FullHttpResponse get = response();
        int length = get.headers().getInt(HttpHeaderNames.CONTENT_LENGTH);
        assertThat(body(get)).isEqualTo("{\"hello\":\"world\"}");
        ch.writeInbound(request(HttpMethod.HEAD, "/hello"));
        FullHttpResponse head = response();
        assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(head.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(length);
        assertThat(body(head)).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesPathParametersAfterSplittingSegments() {
        ch.writeInbound(request(HttpMethod.POST, "/clients/a%2Fb%20c%C5%BC/pause"));
        assertThat(body(response())).isEqualTo("{\"message\":\"id=a/b cż\"}");
        ch.writeInbound(request(HttpMethod.POST, "/clients//pause"));
        FullHttpResponse missing = response();
        assertThat(missing.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        missing.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void keepsResponsesInRequestOrderWhenARouteAnswersLater() {
        ch.writeInbound(request(HttpMethod.GET, "/slow"));
        ch.writeInbound(request(HttpMethod.GET, "/hello"));
        assertThat((Object) ch.readOutbound())
                .as("nothing before the slow answer")
                .isNull();
        slow.complete(responses.message(ch.alloc(), "slow"));
        ch.runPendingTasks();
        assertThat(body(response())).isEqualTo("{\"message\":\"slow\"}");
        assertThat(body(response())).isEqualTo("{\"hello\":\"world\"}");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aClosedConnectionReleasesTheRequestsWaitingBehindASlowAnswer() {
        FullHttpRequest waiting =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/hello", Unpooled.buffer(8));
        ch.writeInbound(request(HttpMethod.GET, "/slow"));
        waiting.retain(); // the test's own reference, to see the handler drop its one
        ch.writeInbound(waiting);
        assertThat(waiting.refCnt()).isEqualTo(2);
        ch.close();
        assertThat(waiting.refCnt())
                .as("the waiting request was released on close")
                .isEqualTo(1);
        waiting.release();
        slow.complete(responses.message(ch.alloc(), "slow"));
        ch.runPendingTasks();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void forwardsAWebSocketUpgradeOfTheWebSocketPathOnly() {
        FullHttpRequest upgrade = request(HttpMethod.GET, "/ws?token=x");
        upgrade.headers()
                .set(HttpHeaderNames.CONNECTION, "Upgrade")
                .set(HttpHeaderNames.UPGRADE, "websocket")
                .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
                .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        ch.writeInbound(upgrade);
        assertThat(next.received).containsExactly("DefaultFullHttpRequest");
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void refusesAnUpgradeWithoutAKeyWith400AndCloses() {
        FullHttpRequest upgrade = request(HttpMethod.GET, "/ws");
        upgrade.headers().set(HttpHeaderNames.CONNECTION, "Upgrade").set(HttpHeaderNames.UPGRADE, "websocket");
        ch.writeInbound(upgrade);
        FullHttpResponse r = response();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(body(r)).contains("missing Sec-WebSocket-Key");
        assertThat(next.received).isEmpty();
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersOversizedHeadersWith431AndCloses() {
        FullHttpRequest bad = request(HttpMethod.GET, "/hello");
        bad.setDecoderResult(DecoderResult.failure(new TooLongHttpHeaderException("too long")));
        ch.writeInbound(bad);
        FullHttpResponse r = response();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
        r.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void everyAnswerOfAGuardedRouteCarriesNoStoreAndPublicOnesDoNot() {
        String token = "routing-admin-token-0123456789";
        HttpRoute hello = ex -> CompletableFuture.completedFuture(
                responses.json(ex.alloc(), HttpResponseStatus.OK, HttpResponses.object("hello", "world")));
        HttpRouter guarded = HttpRouter.builder()
                .responses(responses)
                .access(new AccessPolicy(SecurityConfig.defaults().withAdminToken(token)))
                .route("/hello")
                .get()
                .to(hello)
                .route("/admin")
                .get()
                .admin()
                .to(hello)
                .route("/metrics")
                .get()
                .guard(HttpRouter.Guard.TOKEN_WHEN_CONFIGURED)
                .to(hello)
                .build();
        EmbeddedChannel c = new EmbeddedChannel(new HttpRoutingHandler(guarded, "/ws"));
        for (String path : new String[] {"/admin", "/metrics"}) {
            c.writeInbound(request(HttpMethod.GET, path));
            FullHttpResponse refused = c.readOutbound();
            assertThat(refused.status()).as(path).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
            assertThat(refused.headers().get(HttpHeaderNames.CACHE_CONTROL))
                    .as(path)
                    .isEqualTo("no-store");
            refused.release();
            FullHttpRequest authorized = request(HttpMethod.GET, path);
            authorized.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            c.writeInbound(authorized);
            FullHttpResponse answered = c.readOutbound();
            assertThat(answered.status()).as(path).isEqualTo(HttpResponseStatus.OK);
            assertThat(answered.headers().get(HttpHeaderNames.CACHE_CONTROL))
                    .as(path)
                    .isEqualTo("no-store");
            answered.release();
        }
        c.writeInbound(request(HttpMethod.POST, "/admin"));
        FullHttpResponse wrongMethod = c.readOutbound();
        assertThat(wrongMethod.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(wrongMethod.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-store");
        wrongMethod.release();
        c.writeInbound(request(HttpMethod.GET, "/hello"));
        FullHttpResponse open = c.readOutbound();
        assertThat(open.headers().contains(HttpHeaderNames.CACHE_CONTROL)).isFalse();
        open.release();
        assertThat(c.finish()).isFalse();
    }

    @Test
    void answersARequestNamingAHostNotServedWith421AndCloses() {
        FullHttpRequest rebound = request(HttpMethod.GET, "/hello");
        rebound.headers().set(HttpHeaderNames.HOST, "rebind.example:8000");
        ch.writeInbound(rebound);
        FullHttpResponse r = response();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.MISDIRECTED_REQUEST);
        assertThat(body(r)).contains("rebind.example", "--allowed-hosts");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void closesAfterAnswerWhenTheClientAsksForIt() {
        FullHttpRequest req = request(HttpMethod.GET, "/hello");
        req.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeInbound(req);
        FullHttpResponse r = response();
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        r.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aPeerClosingInsideARequestIsCountedAndLoggedAtDebugOnly() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        EmbeddedChannel insideBody = counting(metrics);
        EmbeddedChannel insideHead = counting(metrics);
        try (LogCapture logs = new LogCapture("io.serpentis")) {
            // What the aggregator fires when the connection closes inside a body (issue 11 point 8) ...
            insideBody
                    .pipeline()
                    .fireExceptionCaught(
                            new PrematureChannelClosureException("Channel closed while still aggregating message"));
            insideBody.checkException();
            // ... and what the decoder passes on when it closes inside a head.
            FullHttpRequest cut = request(HttpMethod.GET, "/hello");
            cut.setDecoderResult(DecoderResult.failure(
                    new PrematureChannelClosureException("Connection closed before received headers")));
            insideHead.writeInbound(cut);
            assertThat(logs.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
            assertThat(logs.events()).noneMatch(e -> e.getThrowableProxy() != null);
            assertThat(logs.lines())
                    .contains(HttpRoutingHandler.class.getName() + " connection closed with a request partly received");
        }
        assertThat((Object) insideHead.readOutbound())
                .as("no answer to a peer that left")
                .isNull();
        assertThat(registry.get("gateway.http.connection.errors")
                        .tag("reason", "incomplete_request")
                        .counter()
                        .count())
                .isEqualTo(2.0);
        assertThat(insideBody.isOpen()).isFalse();
        assertThat(insideHead.isOpen()).isFalse();
        assertThat(insideBody.finish()).isFalse();
        assertThat(insideHead.finish()).isFalse();
    }

    @Test
    void resetsAndUnexpectedErrorsAreCountedApart() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        EmbeddedChannel bug = counting(metrics);
        EmbeddedChannel reset = counting(metrics);
        bug.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
        reset.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertThat(registry.get("gateway.http.connection.errors")
                        .tag("reason", "unexpected")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("gateway.http.connection.errors")
                        .tag("reason", "reset")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(bug.finish()).isFalse();
        assertThat(reset.finish()).isFalse();
    }

    private EmbeddedChannel counting(GatewayMetrics metrics) {
        return new EmbeddedChannel(new HttpRoutingHandler(router, Map.of("/ws", WsEndpoint.of("/ws")), metrics));
    }
}
