package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP hardening over real sockets (ECOSYSTEM table b, rows 10 to 12; PROTOCOL.md section 7, rows 11 and 16):
 * security headers on the pages, CORS closed, slowloris, oversize headers and request smuggling, each answered
 * and followed by the server closing the connection.
 */
class HttpHardeningIT {

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withHttp(h -> h.withRequestTimeout(Duration.ofSeconds(2))));

    /** What the server sent until it closed the connection, and whether it did close it within 10 s. */
    private record Exchange(String response, boolean closed) {
        String head() {
            int end = response.indexOf("\r\n\r\n");
            return (end < 0 ? response : response.substring(0, end)).toLowerCase(Locale.ROOT);
        }
    }

    private static Socket open() throws IOException {
        Socket s = new Socket(
                gw.server().localAddress().getAddress(),
                gw.server().localAddress().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static Exchange exchange(String request) throws IOException {
        try (Socket s = open()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readToEnd(s.getInputStream());
        }
    }

    private static Exchange readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return new Exchange(out.toString(StandardCharsets.UTF_8), true);
        } catch (SocketTimeoutException e) {
            return new Exchange(out.toString(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            return new Exchange(out.toString(StandardCharsets.UTF_8), true); // reset after the answer
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/static/status_display.html", "/docs", "/redoc", "/docs/", "/redoc/"})
    void htmlPagesCarryAContentSecurityPolicyForTheGatewaysOwnOrigin(String path) throws IOException {
        Exchange e = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(e.response()).startsWith("HTTP/1.1 200 ");
        String head = e.head();
        assertThat(head).contains("content-type: text/html");
        String csp = head.lines()
                .filter(l -> l.startsWith("content-security-policy:"))
                .findFirst()
                .orElseThrow();
        assertThat(csp)
                .contains(
                        "default-src 'none'",
                        "script-src 'self';",
                        "frame-ancestors 'none'",
                        "base-uri 'none'",
                        "form-action 'none'");
        assertThat(csp).as("only the gateway's own origin").doesNotContain("http:", "https:", "*", "'unsafe-eval'");
        assertThat(csp.replace("style-src 'self' 'unsafe-inline'", "")).doesNotContain("'unsafe-inline'");
        if (!path.startsWith("/redoc")) {
            assertThat(csp).as("only ReDoc needs inline styles").doesNotContain("'unsafe-inline'");
        }
        assertThat(head)
                .contains("x-content-type-options: nosniff", "x-frame-options: deny", "referrer-policy: no-referrer");
    }

    @Test
    void everyAnswerIsNosniffAndNoneGrantsCors() throws IOException {
        for (String path : new String[] {"/health", "/openapi.json", "/app.js", "/nope", "/statuses"}) {
            Exchange e = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n"
                    + "Connection: close\r\n\r\n");
            assertThat(e.head())
                    .as(path)
                    .contains("x-content-type-options: nosniff")
                    .doesNotContain("access-control-allow");
        }
        Exchange preflight = exchange("OPTIONS /statuses HTTP/1.1\r\nHost: localhost\r\n"
                + "Origin: https://evil.example\r\n"
                + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n\r\n");
        assertThat(preflight.response()).startsWith("HTTP/1.1 403 ");
        assertThat(preflight.head()).doesNotContain("access-control-allow");
        assertThat(preflight.closed()).isTrue();
    }

    @Test
    void aSlowlorisTrickleIsAnswered408AndClosedAtTheRequestTimeout() throws Exception {
        try (Socket s = open()) {
            OutputStream out = s.getOutputStream();
            CompletableFuture<Exchange> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return readToEnd(s.getInputStream());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            out.write("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            try {
                // One byte every 200 ms: never idle, never complete. Bounded: at most 15 s.
                while (!reader.isDone() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15)) {
                    out.write('a');
                    out.flush();
                    Thread.sleep(200);
                }
            } catch (IOException e) {
                // the server closed the connection under our writes
            }
            Exchange e = reader.get(15, TimeUnit.SECONDS);
            assertThat(e.response())
                    .startsWith("HTTP/1.1 408 ")
                    .contains("{\"detail\":\"Request not received in full within 2s (--request-timeout)\"}");
            assertThat(e.closed()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        }
    }

    @Test
    void oversizeHeadersAreAnswered431AndClosed() throws IOException {
        Exchange e = exchange("GET / HTTP/1.1\r\nHost: localhost\r\n" + "X-Pad: " + "p".repeat(200) + "\r\n".repeat(1)
                + ("X-Many: " + "m".repeat(100) + "\r\n").repeat(100) + "\r\n");
        assertThat(e.response()).startsWith("HTTP/1.1 431 ").contains("Request header fields too large");
        assertThat(e.closed()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.serpentis.gateway.http.HttpHardeningTest#smugglingCases")
    void everySmugglingShapeIsAnswered400AndTheConnectionClosed(String name, String request) throws IOException {
        Exchange e = exchange(request + "GET /statuses HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(e.response()).as(name).startsWith("HTTP/1.1 400 ").contains("{\"detail\":\"");
        assertThat(e.response().split("HTTP/1\\.1 \\d{3} ", -1))
                .as(name + ": one answer only")
                .hasSize(2);
        assertThat(e.head()).contains("connection: close");
        assertThat(e.closed()).as(name + ": closed by the server").isTrue();
    }

    @Test
    void anOversizeBodyIsAnswered413WithADetailAndClosed() throws IOException {
        Exchange e = exchange("POST /clients/x/pause HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n"
                + "a".repeat(1000));
        assertThat(e.response())
                .startsWith("HTTP/1.1 413 ")
                .endsWith("{\"detail\":\"Request body larger than 65536 bytes (--http-max-content-bytes)\"}");
        assertThat(e.closed()).isTrue();
    }

    @Test
    void aPermessageDeflateOfferIsNotAccepted() throws IOException {
        try (RawWsClient c = RawWsClient.connect(
                gw.wsUri(), "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")) {
            assertThat(c.upgraded()).isTrue();
            assertThat(c.handshakeResponse().toLowerCase(Locale.ROOT)).doesNotContain("sec-websocket-extensions");
            c.sendText("{\"client_id\": \"deflate-offer\"}");
            assertThat(c.read().text()).contains("message_processed");
        }
    }

    @Test
    void aSmuggledRequestBehindAnAmbiguousOneIsNeverAnswered() throws IOException {
        String smuggled = "GET /statuses HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for (String ambiguous : new String[] {
            "POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: x, chunked\r\n\r\n0\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n"
                    + "Content-Length: 4\r\n\r\nAAAA",
            "POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n"
        }) {
            Exchange e = exchange(ambiguous + smuggled);
            assertThat(e.response()).as(ambiguous).startsWith("HTTP/1.1 400 ").doesNotContain("clients");
            assertThat(e.response().split("HTTP/1\\.1 \\d{3} ", -1))
                    .as("one answer only")
                    .hasSize(2);
            assertThat(e.closed()).isTrue();
        }
    }
}
