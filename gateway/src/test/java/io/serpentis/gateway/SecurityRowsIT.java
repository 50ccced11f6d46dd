package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.LogCapture;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.TestJwts;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * One test per row of PROTOCOL.md section 7 (the compatibility table at its top) that concerns security, each
 * against a gateway at its defaults unless the row is about a setting: the door the original left open, shut.
 * Rows covered in depth elsewhere are cross-referenced in each test's comment.
 */
class SecurityRowsIT {

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withWs(w -> w.withCloseTimeout(Duration.ofSeconds(1))));

    @RegisterExtension
    static final GatewayServerExtension jwt = new GatewayServerExtension(
            c -> c.withSecurity(s -> s.withClientAuth(ClientAuthConfig.jwt(TestJwts.SECRET, Duration.ZERO))));

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final HttpTestClient http = new HttpTestClient(gw.httpUri());

    private static HttpResponse<String> send(
            GatewayServerExtension server, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpUri() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Row 1, no auth: a foreign page cannot make an operator's browser pause a client (cross-site request). */
    @Test
    void row1AForeignPageCannotDriveTheAdminApiEvenFromLoopback() throws Exception {
        // Remote peers without a token: AdminAccessIT; the token itself: AdminTokenIT, AdminPolicyCoverageIT.
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            c.request("{\"client_id\": \"row1-victim\"}");
            HttpResponse<String> r =
                    send(gw, "POST", "/clients/row1-victim/disconnect", "Origin", "https://evil.example");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("may not use the admin API");
            assertThat(c.poll(Duration.ofMillis(300)))
                    .as("no command reached the client")
                    .isNull();
        }
    }

    /** Row 1, "any socket may claim any client_id": with JWT client auth only the token's subject is accepted. */
    @Test
    void row1WithClientAuthASocketCannotClaimAnotherClientsId() {
        // All token shapes: JwtClientAuthIT.
        String mallory = TestJwts.hs256(TestJwts.SECRET, "row1-mallory", 600_000);
        try (WsTestClient victim = WsTestClient.connect(
                        jwt.wsUri(),
                        "Authorization",
                        "Bearer " + TestJwts.hs256(TestJwts.SECRET, "row1-alice", 600_000));
                WsTestClient thief = WsTestClient.connect(jwt.wsUri(), "Authorization", "Bearer " + mallory)) {
            assertThat(victim.request("{\"client_id\": \"row1-alice\"}")).contains("message_processed");
            assertThat(thief.request("{\"client_id\": \"row1-alice\"}")).startsWith("{\"error\": ");
            assertThat(thief.awaitClose().code()).isEqualTo(1008);
            assertThat(victim.request("{\"client_id\": \"row1-alice\"}"))
                    .as("the victim keeps its id")
                    .contains("message_processed");
        }
    }

    /** Row 2, unbounded input: the original's 16 MiB frames, 100 KB ids and 10,000 attributes are refused. */
    @Test
    void row2OversizeInputIsRefused() throws Exception {
        // Every limit and its text: ProtocolTranscriptIT$SizeLimits; connection caps: ConnectionLimitsIT.
        try (RawWsClient c = RawWsClient.connect(gw.wsUri())) {
            c.writeRaw(new byte[] {(byte) 0x81, (byte) 0xff, 0, 0, 0, 0, 1, 16, 0, 0}); // announces 17 MiB
            assertThat(c.readUntil(RawWsClient.CLOSE).closeCode()).isEqualTo(1009);
        }
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"" + "i".repeat(10_000) + "\"}"))
                    .contains("max-client-id-bytes"); // the original's 100 KB id is over the frame limit itself
            assertThat(c.request(attributes(200))).contains("max-attributes-per-message");
        }
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            c.send(attributes(10_000)); // about 90 KB: over the frame limit before any attribute is counted
            assertThat(c.awaitClose().code()).isEqualTo(1009);
        }
        assertThat(http.record("row2")).isNull();
    }

    private static String attributes(int n) {
        StringBuilder many = new StringBuilder("{\"client_id\": \"row2\", \"status\": {");
        for (int i = 0; i < n; i++) {
            many.append(i == 0 ? "" : ", ").append("\"a").append(i).append("\": 1");
        }
        return many.append("}}").toString();
    }

    /** Row 3, log flooding: a large bad payload is logged truncated, and a burst of them once per interval. */
    @Test
    void row3BadPayloadsDoNotFloodTheLog() throws Exception {
        try (LogCapture logs = new LogCapture("io.serpentis");
                WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            String junk = "not json " + "x".repeat(60_000);
            for (int i = 0; i < 50; i++) {
                assertThat(c.request(junk)).isEqualTo("{\"error\": \"Invalid JSON format\"}");
            }
            List<String> refused = logs.lines().stream()
                    .filter(l -> l.contains("refused a message"))
                    .toList();
            assertThat(refused).hasSizeBetween(1, 2); // once per --reject-log-interval (10 s)
            assertThat(refused).allSatisfy(l -> assertThat(l.length()).isLessThan(400));
        }
    }

    /** Row 5, duplicate ids: the newest connection holds the id and the older is told so (4001). */
    @Test
    void row5ATakeoverIsExplicit() {
        // In depth: ProtocolTranscriptIT$DuplicateIds.
        try (WsTestClient a = WsTestClient.connect(gw.wsUri());
                WsTestClient b = WsTestClient.connect(gw.wsUri())) {
            a.request("{\"client_id\": \"row5\"}");
            assertThat(b.request("{\"client_id\": \"row5\"}")).contains("\"connected\", \"connect_time\"");
            assertThat(a.awaitClose().code()).isEqualTo(4001);
        }
    }

    /** Row 6, forged server fields: a client cannot mark itself disconnected (and so get purged). */
    @Test
    void row6ServerOwnedFieldsCannotBeForged() {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertThat(c.request("{\"client_id\": \"row6\", \"status\": "
                            + "{\"connected\": \"false\", \"disconnect_time\":"
                            + " \"2000-01-01T00:00:00+00:00\", "
                            + "\"status_detail\": \"Disconnected by server\", \"k\": 1}}"))
                    .contains("\"status_updated\": [\"k\", \"connected\", \"connect_time\"]");
            assertThat(http.record("row6"))
                    .containsEntry("connected", "true")
                    .doesNotContainKeys("disconnect_time", "status_detail");
        }
    }

    /** Row 10, key injection: ids with ':' and '/' are stored intact and administrable. */
    @Test
    void row10IdsAreNeverParsedOutOfKeys() {
        try (WsTestClient a = WsTestClient.connect(gw.wsUri());
                WsTestClient b = WsTestClient.connect(gw.wsUri())) {
            a.request("{\"client_id\": \"row10:x:status\"}");
            b.request("{\"client_id\": \"row10/../statuses\"}");
            assertThat(http.record("row10:x:status")).containsEntry("connected", "true");
            assertThat(http.record("row10")).isNull();
            assertThat(http.command("row10/../statuses", "pause").statusCode()).isEqualTo(200);
            assertThat(b.next()).isEqualTo("{\"command\": \"pause\"}");
        }
    }

    /** Row 11, stored XSS: markup in a status is data; the dashboard may not run inline script or insert HTML. */
    @Test
    void row11MarkupInAStatusCannotRunInTheDashboard() throws Exception {
        // The script's use of text only: StaticContentIT.theScriptNeverInsertsHtml.
        String xss = "<img src=x onerror=alert(1)><script>alert(2)</script>";
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            c.request(JSON.writeValueAsString(Map.of("client_id", "row11", "status", Map.of("client_state", xss))));
            assertThat(http.record("row11")).containsEntry("client_state", xss); // stored as text, served as JSON
        }
        HttpResponse<String> page = send(gw, "GET", "/");
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp)
                .contains("script-src 'self';")
                .doesNotContain("unsafe-inline")
                .doesNotContain("unsafe-eval");
        assertThat(send(gw, "GET", "/app.js").body()).doesNotContain("innerHTML");
        assertThat(send(gw, "GET", "/statuses").headers().firstValue("content-type"))
                .hasValue("application/json");
    }

    /** Row 12, blocking admin call: a disconnect answers at once even when the client never answers the close. */
    @Test
    void row12AnUnresponsiveClientCannotHoldAnOperatorsRequest() throws Exception {
        try (RawWsClient silent = RawWsClient.connect(gw.wsUri())) {
            silent.sendText("{\"client_id\": \"row12\"}");
            silent.read();
            long start = System.nanoTime();
            HttpResponse<String> r = http.command("row12", "disconnect");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            // The client never answers the close frame: the close timeout force-closes it.
            assertThat(silent.awaitEof()).isTrue();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(http.record("row12"))
                        .containsEntry("connected", "false")
                        .containsEntry("status_detail", "Disconnected by server"));
    }

    /** Row 13, binary frames crashed the original's handler: here they close with 1003 and are recorded. */
    @Test
    void row13BinaryFramesCloseCleanly() {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            c.request("{\"client_id\": \"row13\"}");
            c.sendBinary("{\"client_id\": \"row13\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(c.awaitClose().code()).isEqualTo(1003);
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(http.record("row13"))
                        .containsEntry("status_detail", "Protocol error: binary frame"));
    }

    /** Row 16, leftovers: no oauth2 redirect page, and the docs pages may load nothing from elsewhere. */
    @Test
    void row16NoLeftoverPagesAndNoForeignAssets() throws Exception {
        assertThat(send(gw, "GET", "/docs/oauth2-redirect").statusCode()).isEqualTo(404);
        assertThat(send(gw, "GET", "/docs/oauth2-redirect.html").statusCode()).isEqualTo(404);
        for (String page : new String[] {"/docs", "/redoc"}) {
            String csp = send(gw, "GET", page)
                    .headers()
                    .firstValue("content-security-policy")
                    .orElseThrow();
            assertThat(csp).as(page).startsWith("default-src 'none'").doesNotContain("http", "*");
        }
    }
}
