package io.serpentis.gateway.security;

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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --client-auth jwt} over real sockets (PROTOCOL.md section 7, weak point 1: "any socket may claim any
 * client_id"): an upgrade without a valid HS256 JWT is refused with 401 before any WebSocket frame; a valid one
 * binds the connection to its {@code sub}; a forged {@code client_id} is answered with an error and close 1008; the
 * connection closes when its token expires. No clock skew here, so expiry is exact.
 */
class JwtClientAuthIT {
    private static final String SECRET = TestJwts.SECRET;

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(
            c -> c.withSecurity(s -> s.withClientAuth(ClientAuthConfig.jwt(SECRET, Duration.ZERO))));

    private final HttpTestClient http = new HttpTestClient(gw.httpUri());

    private static URI withToken(String token) {
        return URI.create(gw.wsUri() + "?token=" + token);
    }

    @Test
    void refusesMissingWrongExpiredAndForgedTokensWith401BeforeAnyFrame() throws Exception {
        Map<String, String[]> attempts = new LinkedHashMap<>();
        attempts.put("missing", new String[0]);
        attempts.put("not a bearer token", new String[] {"Authorization: Basic " + SECRET});
        attempts.put("wrong secret", new String[] {
            "Authorization: Bearer " + TestJwts.hs256("another-secret-another-secret-012345", "w", 60_000)
        });
        attempts.put("expired", new String[] {"Authorization: Bearer " + TestJwts.hs256(SECRET, "w", -60_000)});
        attempts.put("alg none", new String[] {"Authorization: Bearer " + TestJwts.unsecured("w")});
        attempts.put(
                "alg confusion",
                new String[] {"Authorization: Bearer " + TestJwts.withForgedAlg("RS256", SECRET, "w")});
        attempts.put("no sub", new String[] {"Authorization: Bearer " + TestJwts.hs256(SECRET, null, 60_000)});
        attempts.put("garbage", new String[] {"Authorization: Bearer x.y.z"});
        for (Map.Entry<String, String[]> a : attempts.entrySet()) {
            try (RawWsClient c = RawWsClient.connect(gw.wsUri(), a.getValue())) {
                assertThat(c.handshakeResponse()).as(a.getKey()).startsWith("HTTP/1.1 401 ");
                assertThat(c.handshakeResponse().toLowerCase())
                        .as(a.getKey())
                        .contains("www-authenticate: bearer realm=\"serpentis-clients\"")
                        .doesNotContain("sec-websocket-accept");
                assertThat(c.readRemaining())
                        .as(a.getKey())
                        .startsWith("{\"detail\":\"")
                        .doesNotContain(SECRET);
            }
        }
        try (RawWsClient c = RawWsClient.connect(withToken(TestJwts.hs256(SECRET, "w", -60_000)))) {
            assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 401 ");
            assertThat(c.readRemaining()).isEqualTo("{\"detail\":\"Client token expired\"}");
        }
        assertThat(gw.server()
                        .meterRegistry()
                        .get("gateway.security.refusals")
                        .tag("reason", "client_auth")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(attempts.size() + 1);
    }

    @Test
    void aValidTokenInTheHeaderOrTheQueryOpensTheConnectionForItsSubject() {
        String token = TestJwts.hs256(SECRET, "jwt-worker-1", 600_000);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri(), "Authorization", "Bearer " + token)) {
            assertThat(c.request("{\"client_id\": \"jwt-worker-1\", \"status\": {\"k\": \"v\"}}"))
                    .contains("\"result\": \"message_processed\"");
        }
        String other = TestJwts.hs256(SECRET, "jwt-worker-2", 600_000);
        try (WsTestClient c = WsTestClient.connect(withToken(other))) {
            assertThat(c.request("{\"client_id\": \"jwt-worker-2\"}")).contains("\"result\": \"message_processed\"");
        }
    }

    @Test
    void aClientIdOtherThanTheTokensSubGetsAnErrorAndClose1008() {
        String alice = TestJwts.hs256(SECRET, "jwt-alice", 600_000);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri(), "Authorization", "Bearer " + alice)) {
            assertThat(c.request("{\"client_id\": \"jwt-bob\", \"status\": {\"pwned\": true}}"))
                    .isEqualTo(
                            "{\"error\": \"client_id 'jwt-bob' is not the client_id this connection's token authorizes"
                                    + " (its sub); nothing was stored and the connection is closed\"}");
            WsTestClient.Close close = c.awaitClose();
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).isEqualTo("client_id does not match the token");
        }
        assertThat(http.record("jwt-bob"))
                .as("nothing stored for the forged id")
                .isNull();

        try (WsTestClient c = WsTestClient.connect(gw.wsUri(), "Authorization", "Bearer " + alice)) {
            assertThat(c.request("{\"client_id\": \"jwt-alice\"}")).contains("message_processed");
            c.send("{\"client_id\": \"jwt-bob\"}");
            assertThat(c.next()).startsWith("{\"error\": \"client_id 'jwt-bob' is not");
            assertThat(c.awaitClose().code()).isEqualTo(1008);
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(http.record("jwt-alice"))
                        .containsEntry("connected", "false")
                        .containsEntry("status_detail", "Policy violation: client_id does not match the token"));
        assertThat(http.record("jwt-bob")).isNull();
    }

    @Test
    void theConnectionClosesWhenItsTokenExpires() {
        String shortLived = TestJwts.hs256(SECRET, "jwt-short", 2_000);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri(), "Authorization", "Bearer " + shortLived)) {
            assertThat(c.request("{\"client_id\": \"jwt-short\"}")).contains("message_processed");
            WsTestClient.Close close = c.awaitClose(Duration.ofSeconds(15));
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).isEqualTo("Token expired");
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(http.record("jwt-short"))
                        .containsEntry("connected", "false")
                        .containsEntry("status_detail", "Token expired"));
    }

    @Test
    void tokensAreNeverLogged() throws Exception {
        String secretLooking = TestJwts.hs256(SECRET, "jwt-logged", -60_000); // expired: refused and logged
        String valid = TestJwts.hs256(SECRET, "jwt-logged", 600_000);
        try (LogCapture logs = new LogCapture("io.serpentis", "io.netty.handler.codec.http")) {
            try (RawWsClient c = RawWsClient.connect(withToken(secretLooking))) {
                assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 401 ");
                c.readRemaining();
            }
            try (WsTestClient c = WsTestClient.connect(withToken(valid))) {
                assertThat(c.request("{\"client_id\": \"jwt-logged\"}")).contains("message_processed");
            }
            assertThat(logs.lines()).as("the refusal was logged").anyMatch(l -> l.contains("refused: 401"));
            for (String line : logs.lines()) {
                assertThat(line)
                        .doesNotContain(secretLooking)
                        .doesNotContain(valid)
                        .doesNotContain(secretLooking.split("\\.")[2])
                        .doesNotContain(SECRET);
            }
        }
    }
}
