package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DNS rebinding over real sockets (issue 11, point 1): a page on a hostile name that resolves to 127.0.0.1 reaches
 * the gateway from the operator's own browser, as a loopback peer whose {@code Origin} is its {@code Host}. The
 * gateway serves only the host names it knows, so every such request is answered 421 and closed, on every route,
 * both WebSocket upgrades and the metrics listener, with or without an admin token. Requests are written by hand:
 * the JDK's client will not send a {@code Host} other than its target's.
 */
class HostAllowlistIT {
    private static final String TOKEN = "host-allowlist-token-0123456789";
    private static final String REBIND = "rebind.example";

    @RegisterExtension
    static final GatewayServerExtension open = new GatewayServerExtension();

    @RegisterExtension
    static final GatewayServerExtension withToken =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAdminToken(TOKEN)));

    @RegisterExtension
    static final GatewayServerExtension naming =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAllowedHosts(List.of(REBIND))));

    @RegisterExtension
    static final GatewayServerExtension metricsPort =
            new GatewayServerExtension(c -> c.withMetrics(m -> new MetricsConfig(ExternalTools.freePort())));

    /** What the server sent until it closed the connection, and whether it closed it within 10 s. */
    private record Exchange(String response, boolean closed) {
        String head() {
            int end = response.indexOf("\r\n\r\n");
            return (end < 0 ? response : response.substring(0, end)).toLowerCase(Locale.ROOT);
        }

        String body() {
            int end = response.indexOf("\r\n\r\n");
            return end < 0 ? "" : response.substring(end + 4);
        }
    }

    private static Exchange send(URI base, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            s.setSoTimeout(10_000);
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

    /** {@code method path} naming {@code host} (with the gateway's port) and, as a browser would, its origin. */
    private static String request(String method, String path, String host, int port, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + "Origin: http://" + host + ":" + port + "\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append(method.equals("POST") ? "Content-Length: 0\r\n" : "")
                .append("\r\n")
                .toString();
    }

    private static void assertMisdirected(Exchange e, String what) {
        assertThat(e.response()).as(what).startsWith("HTTP/1.1 421 ");
        assertThat(e.head()).as(what).contains("connection: close").doesNotContain("sec-websocket-accept");
        assertThat(e.body())
                .as(what)
                .isEqualTo("{\"detail\":\"Host '" + REBIND + "' is not served by this gateway; "
                        + "add it to --allowed-hosts (GATEWAY_ALLOWED_HOSTS)\"}");
        assertThat(e.closed()).as(what + ": closed").isTrue();
    }

    /** The probe's request: {@code curl -X POST -H 'Host: rebind...' -H 'Origin: http://rebind...' .../pause}. */
    @Test
    void theProbesRequestNoLongerPausesAClient() throws Exception {
        try (WsTestClient client = WsTestClient.connect(open.wsUri())) {
            assertThat(client.request("{\"client_id\": \"worker-1\"}")).contains("message_processed");
            int port = open.httpUri().getPort();

            assertMisdirected(
                    send(open.httpUri(), request("POST", "/clients/worker-1/pause", REBIND, port)),
                    "POST /clients/worker-1/pause");

            assertThat(client.poll(Duration.ofMillis(500)))
                    .as("no command reached the client")
                    .isNull();
            assertThat(new HttpTestClient(open.httpUri()).record("worker-1"))
                    .doesNotContainEntry("client_state", "paused");
            double refused =
                    PrometheusText.scrape(open.httpUri()).value("gateway_security_refusals_total", "reason", "host");
            assertThat(refused).isGreaterThanOrEqualTo(1.0);
            // the same request naming the gateway by its address is served as before
            Exchange own = send(open.httpUri(), request("POST", "/clients/worker-1/pause", "127.0.0.1", port));
            assertThat(own.response()).startsWith("HTTP/1.1 200 ");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/",
                "/static/status_display.html",
                "/index.html",
                "/statuses",
                "/health",
                "/livez",
                "/readyz",
                "/metrics",
                "/openapi.json",
                "/docs",
                "/redoc",
                "/api/v1/clients",
                "/api/v1/clients/x",
                "/ws",
                "/ws/dashboard",
                "/nope"
            })
    void everyRouteRefusesAHostItDoesNotServe(String path) throws IOException {
        for (GatewayServerExtension gw : List.of(open, withToken)) {
            URI base = gw.httpUri();
            assertMisdirected(send(base, request("GET", path, REBIND, base.getPort())), "GET " + path);
            assertMisdirected(
                    send(base, request("GET", path, REBIND, base.getPort(), "Authorization: Bearer " + TOKEN)),
                    "GET " + path + " with the admin token");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws", "/ws/dashboard", "/ws/dashboard?token=" + TOKEN})
    void bothWebSocketUpgradesRefuseAHostTheyDoNotServe(String path) throws IOException {
        for (GatewayServerExtension gw : List.of(open, withToken)) {
            URI base = gw.httpUri();
            assertMisdirected(
                    send(
                            base,
                            request(
                                    "GET",
                                    path,
                                    REBIND,
                                    base.getPort(),
                                    "Upgrade: websocket",
                                    "Connection: Upgrade",
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                    "Sec-WebSocket-Version: 13",
                                    "Sec-WebSocket-Protocol: serpentis.dashboard.v1, bearer." + TOKEN)),
                    "upgrade of " + path);
        }
    }

    @Test
    void servedNamesPassWhateverTheirCaseOrPort() throws IOException {
        URI base = open.httpUri();
        for (String host : List.of("127.0.0.1", "localhost", "LOCALHOST.", "gw.localhost")) {
            assertThat(send(base, request("GET", "/livez", host, base.getPort(), "Connection: close"))
                            .response())
                    .as(host)
                    .startsWith("HTTP/1.1 200 ");
        }
        assertThat(send(base, "GET /livez HTTP/1.0\r\n\r\n").response())
                .as("HTTP/1.0 without Host")
                .startsWith("HTTP/1.1 200 ");
        URI named = naming.httpUri();
        assertThat(send(named, request("GET", "/statuses", "Rebind.Example", 1, "Connection: close"))
                        .response())
                .as("a name on --allowed-hosts")
                .startsWith("HTTP/1.1 200 ");
        assertThat(send(named, request("GET", "/statuses", "other.example", 1)).response())
                .startsWith("HTTP/1.1 421 ");
    }

    @Test
    void theMetricsListenerRefusesAHostItDoesNotServeToo() throws IOException {
        URI metrics = metricsPort.server().metricsUri();
        assertMisdirected(send(metrics, request("GET", "/metrics", REBIND, metrics.getPort())), "metrics port");
        assertMisdirected(send(metrics, request("GET", "/livez", REBIND, metrics.getPort())), "metrics port /livez");
        assertThat(send(metrics, request("GET", "/metrics", "127.0.0.1", metrics.getPort(), "Connection: close"))
                        .response())
                .startsWith("HTTP/1.1 200 ");
    }
}
