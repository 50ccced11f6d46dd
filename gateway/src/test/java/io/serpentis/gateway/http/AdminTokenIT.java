package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PROTOCOL.md compatibility table, row 1, with an admin token and an origin allowlist configured: admin routes
 * need the bearer token; a page from a foreign origin can neither call them nor open a WebSocket.
 */
class AdminTokenIT {
    private static final String TOKEN = "test-admin-token-0123456789";

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(
            c -> c.withSecurity(s -> s.withAdminToken(TOKEN).withAllowedOrigins(List.of("https://ops.example"))));

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(gw.http(path)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void adminRoutesNeedTheToken() throws Exception {
        HttpResponse<String> none = send("GET", "/statuses");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(none.body()).contains("\"detail\"");
        assertThat(send("GET", "/statuses", "Authorization", "Bearer nope").statusCode())
                .isEqualTo(401);
        assertThat(send("GET", "/statuses", "Authorization", "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/clients/x/pause").statusCode()).isEqualTo(401);
        // Public routes stay open: health checks and the dashboard page itself.
        assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/").statusCode()).isEqualTo(200);
    }

    @Test
    void commandsWorkWithTheToken() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            c.request("{\"client_id\": \"tok-1\"}");
            HttpResponse<String> r = send("POST", "/clients/tok-1/pause", "Authorization", "Bearer " + TOKEN);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(c.next()).isEqualTo("{\"command\": \"pause\"}");
        }
    }

    @Test
    void aForeignPageCannotUseTheAdminApiEvenWithTheToken() throws Exception {
        assertThat(send(
                                "POST",
                                "/clients/x/pause",
                                "Authorization",
                                "Bearer " + TOKEN,
                                "Origin",
                                "https://evil.example")
                        .statusCode())
                .isEqualTo(403);
    }

    @Test
    void aForeignPageCannotOpenAWebSocket() throws Exception {
        // Cross-site WebSocket hijacking: refused with 403 before any upgrade.
        try (RawWsClient evil = RawWsClient.connect(gw.wsUri(), "Origin: https://evil.example")) {
            assertThat(evil.handshakeResponse()).startsWith("HTTP/1.1 403");
        }
        try (RawWsClient ok = RawWsClient.connect(gw.wsUri(), "Origin: https://ops.example")) {
            assertThat(ok.upgraded()).isTrue();
        }
        try (RawWsClient agent = RawWsClient.connect(gw.wsUri())) {
            assertThat(agent.upgraded())
                    .as("clients that are not browsers send no Origin")
                    .isTrue();
        }
    }
}
