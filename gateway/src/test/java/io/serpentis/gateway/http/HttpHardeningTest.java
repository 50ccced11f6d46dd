package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.testing.EmbeddedGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP side of the real pipeline on an EmbeddedChannel: request smuggling shapes, limits, the request timeout
 * (slowloris) and the absence of compression. Each refusal must be answered and must close the connection, and
 * nothing sent after the refused request may be answered (RFC 9112 section 6.3: a message whose framing is
 * ambiguous leaves the rest of the stream unparseable).
 */
class HttpHardeningTest {
    private EmbeddedGateway gw;

    private EmbeddedGateway gateway(GatewayConfig config) {
        gw = new EmbeddedGateway(config);
        return gw;
    }

    @AfterEach
    void close() {
        if (gw != null) {
            gw.close();
        }
    }

    /** A second request smuggled behind the first: it must never be answered. */
    static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
    /** The head of a WebSocket upgrade of {@code /ws}, up to its {@code Sec-WebSocket-*} headers. */
    static final String UPGRADE =
            "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n" + "Connection: Upgrade\r\n";

    static final String UPGRADE_KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    private static int countResponses(String out) {
        Matcher m = Pattern.compile("HTTP/1\\.1 \\d{3}").matcher(out);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /**
     * Request shapes whose framing is ambiguous or malformed (request smuggling, RFC 9112 sections 2.2, 5.2, 6 and
     * 7.1), as {@code (name, request)}; each must be answered 400 and close the connection. Shared with
     * {@code HttpHardeningIT}, which sends them over real sockets.
     */
    static Stream<Arguments> smugglingCases() {
        return Stream.of(
                Arguments.of(
                        "TE chunked then another coding",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, x\r\n\r\n0\r\n\r\n"),
                Arguments.of(
                        "TE another coding then chunked",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: x, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("TE identity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n"),
                Arguments.of(
                        "TE twice",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\n"),
                Arguments.of(
                        "CL and TE",
                        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of(
                        "TE and CL",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                + "Content-Length: 5\r\n\r\n0\r\n\r\n"),
                Arguments.of(
                        "duplicate CL",
                        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nA"),
                Arguments.of(
                        "conflicting CL",
                        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nAB"),
                Arguments.of("CL list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nAB"),
                Arguments.of("CL with sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nA"),
                Arguments.of("obs-fold with a space", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"),
                Arguments.of(
                        "obs-fold hiding TE",
                        "POST / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of(
                        "space before colon",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("LF-only request line", "GET / HTTP/1.1\nHost: h\n\n"),
                Arguments.of("LF-only header line", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"),
                Arguments.of(
                        "LF-only chunk lines",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\nA\n0\n\n"),
                Arguments.of(
                        "quoted chunk extension with CR",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "1;a=\"b\r\nc\"\r\nA\r\n0\r\n\r\n"),
                Arguments.of(
                        "chunk size overflow",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nA\r\n"
                                + "0\r\n\r\n"),
                Arguments.of(
                        "chunk data not ended by CRLF",
                        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nAXX0\r\n\r\n"),
                Arguments.of("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
                Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of(
                        "two Authorization headers",
                        "GET /statuses HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer a\r\n"
                                + "Authorization: Bearer b\r\n\r\n"),
                Arguments.of(
                        "two Origin headers",
                        "POST /clients/x/pause HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\r\n"
                                + "Origin: https://evil.example\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of(
                        "two Sec-WebSocket-Key headers",
                        UPGRADE + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n"),
                Arguments.of(
                        "two Sec-WebSocket-Version headers",
                        UPGRADE + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n\r\n"),
                Arguments.of(
                        "two Sec-WebSocket-Protocol headers",
                        UPGRADE + UPGRADE_KEY
                                + "Sec-WebSocket-Protocol: serpentis.dashboard.v1\r\n"
                                + "sec-websocket-protocol: bearer.x\r\n\r\n"),
                Arguments.of(
                        "two Sec-WebSocket-Extensions headers",
                        UPGRADE + UPGRADE_KEY
                                + "Sec-WebSocket-Extensions: x-a\r\nSec-WebSocket-Extensions: x-b\r\n\r\n"),
                Arguments.of("NUL in a header value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smugglingCases")
    void smugglingShapesAreAnswered400AndClosed(String name, String request) {
        gateway(GatewayConfig.defaults());
        String out = gw.http(request + SMUGGLED);

        assertThat(out).as(name).startsWith("HTTP/1.1 400 ");
        assertThat(out).as(name).containsIgnoringCase("connection: close").contains("\"detail\"");
        assertThat(countResponses(out))
                .as(name + ": the smuggled request must not be answered")
                .isEqualTo(1);
        assertThat(out).doesNotContain("smuggled");
        assertThat(gw.channel.isOpen()).as(name + ": closed").isFalse();
        assertThat(gw.meters
                        .get("gateway.security.refusals")
                        .tag("reason", "http_malformed")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aRepeatedSecurityHeaderIsNamedInTheAnswer() {
        gateway(GatewayConfig.defaults());
        assertThat(gw.http("GET / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\r\n"
                        + "origin: http://localhost\r\n\r\n"))
                .startsWith("HTTP/1.1 400 ")
                .contains("{\"detail\":\"Bad Request: repeated Origin header\"}");
    }

    /** DNS rebinding: whatever the route, a request naming a host the gateway does not serve gets 421 and a close. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET / HTTP/1.1",
                "GET /statuses HTTP/1.1",
                "POST /clients/x/pause HTTP/1.1",
                "GET /livez HTTP/1.1",
                "HEAD /nope HTTP/1.1",
                "GET /ws/dashboard HTTP/1.1"
            })
    void aRequestForAHostNotServedGets421AndCloses(String requestLine) {
        gateway(GatewayConfig.defaults());
        String out = gw.http(requestLine + "\r\nHost: rebind.example:8000\r\nOrigin: http://rebind.example:8000\r\n"
                + "Content-Length: 0\r\n\r\nGET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 421 ").containsIgnoringCase("connection: close");
        if (!requestLine.startsWith("HEAD")) {
            assertThat(out)
                    .contains("{\"detail\":\"Host 'rebind.example' is not served by this gateway; add it to "
                            + "--allowed-hosts (GATEWAY_ALLOWED_HOSTS)\"}");
        }
        assertThat(countResponses(out)).as("nothing after it is answered").isEqualTo(1);
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(gw.meters
                        .get("gateway.security.refusals")
                        .tag("reason", "host")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aWebSocketUpgradeForAHostNotServedGets421BeforeAnyHandshake() {
        gateway(GatewayConfig.defaults());
        String out = gw.http(UPGRADE.replace("Host: localhost", "Host: rebind.example") + UPGRADE_KEY + "\r\n");
        assertThat(out).startsWith("HTTP/1.1 421 ").doesNotContainIgnoringCase("sec-websocket-accept");
        assertThat(gw.channel.isOpen()).isFalse();

        gw.close();
        gateway(GatewayConfig.defaults().withSecurity(s -> s.withAllowedHosts(List.of("rebind.example"))));
        assertThat(gw.http(UPGRADE.replace("Host: localhost", "Host: rebind.example") + UPGRADE_KEY + "\r\n"))
                .as("a configured name is served")
                .startsWith("HTTP/1.1 101 ");
    }

    @Test
    void obsFoldIsNamedInTheAnswer() {
        gateway(GatewayConfig.defaults());
        assertThat(gw.http("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"))
                .contains("{\"detail\":\"Bad Request: folded header lines (obs-fold) are not accepted\"}");
    }

    @Test
    void otherHttpVersionsGet505() {
        gateway(GatewayConfig.defaults());
        assertThat(gw.http("GET / HTTP/1.2\r\nHost: h\r\n\r\n")).startsWith("HTTP/1.1 505 ");
        assertThat(gw.channel.isOpen()).isFalse();
    }

    @Test
    void wellFormedRequestsStillPassIncludingChunkedBodiesAndPipelining() {
        gateway(GatewayConfig.defaults());
        String out = gw.http("POST /nope HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: localhost\r\nX-Folded-Looking: a b\r\n\r\n"
                + "\r\nGET /nope HTTP/1.0\r\n\r\n");
        assertThat(countResponses(out)).isEqualTo(3);
        assertThat(out.split("HTTP/1\\.1 404 ", -1)).hasSize(4);
        assertThat(gw.channel.isOpen())
                .as("HTTP/1.0 without keep-alive closes after its answer")
                .isFalse();
    }

    @Test
    void oversizeHeadersGet431AndClose() {
        gateway(GatewayConfig.defaults());
        String out = gw.http("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 431 ").contains("Request header fields too large");
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(gw.meters
                        .get("gateway.security.refusals")
                        .tag("reason", "http_headers_too_large")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void oversizeRequestLinesGet414AndClose() {
        gateway(GatewayConfig.defaults());
        String out = gw.http("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 414 ").contains("Request line too long");
        assertThat(gw.channel.isOpen()).isFalse();
    }

    @Test
    void oversizeBodiesGet413WithADetailAndClose() {
        gateway(GatewayConfig.defaults().withHttp(h -> h.withMaxContentBytes(100)));
        String announced = gw.http("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n");
        assertThat(announced)
                .startsWith("HTTP/1.1 413 ")
                .containsIgnoringCase("connection: close")
                .contains("{\"detail\":\"Request body larger than 100 bytes (--http-max-content-bytes)\"}");
        assertThat(gw.channel.isOpen()).isFalse();
        gw.close();

        gateway(GatewayConfig.defaults().withHttp(h -> h.withMaxContentBytes(100)));
        String chunked = gw.http("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + "96\r\n"
                + "a".repeat(150) + "\r\n0\r\n\r\n" + SMUGGLED);
        assertThat(chunked).startsWith("HTTP/1.1 413 ").contains("\"detail\"");
        assertThat(countResponses(chunked)).isEqualTo(1);
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(gw.meters
                        .get("gateway.security.refusals")
                        .tag("reason", "http_body_too_large")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aTricklingRequestIsCutOffAtTheRequestTimeout() {
        gateway(GatewayConfig.defaults().withHttp(h -> h.withRequestTimeout(Duration.ofSeconds(10))));
        assertThat(gw.http("GET / HTTP/1.1\r\nHost: h\r\n")).isEmpty();
        for (int i = 0; i < 9; i++) { // a byte a second: never idle, never complete
            gw.advanceMillis(1000);
            assertThat(gw.http("X")).isEmpty();
            assertThat(gw.channel.isOpen()).isTrue();
        }
        gw.advanceMillis(1000);
        String out = gw.drainOutbound();
        assertThat(out)
                .startsWith("HTTP/1.1 408 ")
                .containsIgnoringCase("connection: close")
                .contains("Request not received in full within 10s (--request-timeout)");
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(gw.meters
                        .get("gateway.security.refusals")
                        .tag("reason", "http_timeout")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void theRequestTimeoutAppliesPerRequestNotToIdleKeepAlive() {
        gateway(GatewayConfig.defaults().withHttp(h -> h.withRequestTimeout(Duration.ofSeconds(2))));
        assertThat(gw.http("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        gw.advanceMillis(30_000); // idle between requests: the idle timeout (60 s) governs, not the request timeout
        assertThat(gw.channel.isOpen()).isTrue();
        assertThat(gw.http("GET /b HTTP/1.1\r\n")).isEmpty();
        gw.advanceMillis(1500);
        assertThat(gw.http("Host: localhost\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        gw.advanceMillis(5000);
        assertThat(gw.drainOutbound()).isEmpty();
        assertThat(gw.channel.isOpen()).isTrue();
    }

    @Test
    void aSlowUpgradeIsCutOffToo() {
        gateway(GatewayConfig.defaults().withHttp(h -> h.withRequestTimeout(Duration.ofSeconds(3))));
        gw.http("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n");
        gw.advanceMillis(3000);
        assertThat(gw.drainOutbound()).startsWith("HTTP/1.1 408 ");
        assertThat(gw.channel.isOpen()).isFalse();
    }

    @Test
    void noCompressionAnywhereAndPermessageDeflateIsNotNegotiated() {
        gateway(GatewayConfig.defaults());
        assertNoCompression();
        String head = gw.http("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 101 ");
        assertThat(head.toLowerCase()).doesNotContain("sec-websocket-extensions");
        assertNoCompression();
    }

    private void assertNoCompression() {
        for (Map.Entry<String, ChannelHandler> e : gw.channel.pipeline()) {
            assertThat(e.getValue())
                    .as(e.getKey())
                    .isNotInstanceOfAny(
                            HttpContentDecompressor.class,
                            HttpContentCompressor.class,
                            WebSocketServerExtensionHandler.class);
        }
    }

    @Test
    void corsIsClosed() {
        gateway(GatewayConfig.defaults());
        String preflight = gw.http("OPTIONS /clients/x/pause HTTP/1.1\r\nHost: localhost\r\n"
                + "Origin: https://evil.example\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization\r\n\r\n");
        assertThat(preflight).startsWith("HTTP/1.1 403 ").contains("no CORS access");
        assertThat(preflight.toLowerCase()).doesNotContain("access-control-allow");
    }
}
