package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection caps over real sockets (PROTOCOL.md section 7, weak point 2: "number of connections (no limit in the
 * code)"): the global cap answers 503 at the upgrade; the per-address cap and rate count every socket from accept
 * and answer 429 there, before any request is read (issue 11 point 2). The tests run on loopback, so the
 * per-address servers set {@code --limit-loopback}; every address of 127/8 is loopback on Linux, so sockets bound to
 * 127.0.0.2, 127.0.0.3, ... come from distinct addresses.
 */
class ConnectionLimitsIT {

    @RegisterExtension
    static final GatewayServerExtension capped =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withConnections(l -> l.withMaxConnections(2))));

    @RegisterExtension
    static final GatewayServerExtension perAddress =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withConnections(l -> perAddress(l, 2, 0, 1))));

    @RegisterExtension
    static final GatewayServerExtension rated =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withConnections(l -> perAddress(l, 0, 1, 2))));

    @RegisterExtension
    static final GatewayServerExtension accepting =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withConnections(l -> perAddress(l, 100, 0, 1))));

    /** {@code limits} with the per-address limits changed, applied to loopback peers (the tests' clients). */
    private static ConnectionLimitsConfig perAddress(ConnectionLimitsConfig limits, int max, int rate, int burst) {
        return limits.toBuilder()
                .maxConnectionsPerAddress(max)
                .connectionRatePerAddress(rate)
                .connectionBurstPerAddress(burst)
                .limitLoopback(true)
                .build();
    }

    @Test
    void theGlobalCapAnswers503UntilAConnectionCloses() throws Exception {
        WsTestClient a = WsTestClient.connect(capped.wsUri());
        try (WsTestClient b = WsTestClient.connect(capped.wsUri())) {
            assertThat(a.request("{\"client_id\": \"cap-a\"}")).contains("message_processed");
            assertThat(b.request("{\"client_id\": \"cap-b\"}")).contains("message_processed");
            try (RawWsClient c = RawWsClient.connect(capped.wsUri())) {
                assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 503 ");
                assertThat(c.handshakeResponse().toLowerCase()).contains("retry-after: 5");
                assertThat(c.readRemaining())
                        .isEqualTo("{\"detail\":\"The gateway is at its connection limit "
                                + "(--max-connections); retry later\"}");
            }
            a.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawWsClient c = RawWsClient.connect(capped.wsUri())) {
                    assertThat(c.upgraded()).isTrue();
                }
            });
        }
        assertThat(capped.server()
                        .meterRegistry()
                        .get("gateway.security.refusals")
                        .tag("reason", "capacity")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void theNextConnectionFromTheSameAddressIsRefusedWith429() throws Exception {
        List<WsTestClient> held = new ArrayList<>();
        try {
            held.add(WsTestClient.connect(perAddress.wsUri()));
            held.add(WsTestClient.connect(perAddress.wsUri()));
            try (RawWsClient c = RawWsClient.connect(perAddress.wsUri())) {
                assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 429 ");
                assertThat(c.handshakeResponse().toLowerCase()).contains("retry-after: 1");
                assertThat(c.readRemaining()).contains("--max-connections-per-address");
            }
        } finally {
            held.forEach(WsTestClient::close);
        }
    }

    @Test
    void newConnectionsFasterThanTheRateAreRefusedWith429() throws Exception {
        String refused = null;
        // A burst of 2, then 1 a second: six quick tries cannot all pass.
        for (int i = 0; i < 6 && refused == null; i++) {
            try (RawWsClient c = RawWsClient.connect(rated.wsUri())) {
                if (!c.upgraded()) {
                    assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 429 ");
                    refused = c.readRemaining();
                }
            }
        }
        assertThat(refused)
                .isEqualTo("{\"detail\":\"Too many new connections from this address "
                        + "(--connection-rate-per-address); retry later\"}");
        assertThat(rated.server()
                        .meterRegistry()
                        .get("gateway.security.refusals")
                        .tag("reason", "address_rate")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void idleSocketsCountAgainstTheirAddressFromAcceptAndCannotCrowdOutAnother() throws Exception {
        // The probe of issue 11: one address holding idle HTTP sockets (no request, nothing to upgrade) filled the
        // accept-time cap, and every WebSocket client was refused. Now each counts against its address's cap.
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 150; i++) {
                held.add(socketFrom("127.0.0.2", accepting.httpUri()));
            }
            // The 100 accepted sockets are told nothing; the 50 refused ones are answered at once, unasked.
            List<Socket> answered = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                answered.clear();
                for (Socket s : held) {
                    if (s.getInputStream().available() > 0) {
                        answered.add(s);
                    }
                }
                assertThat(answered).hasSize(50);
            });
            assertThat(refusals(accepting, "address_connections")).isEqualTo(50.0);
            answered.get(0).setSoTimeout(5000);
            String answer = new String(answered.get(0).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 429 Too Many Requests\r\n");
            assertThat(answer.toLowerCase(Locale.ROOT))
                    .contains("retry-after: 1\r\n", "connection: close\r\n", "content-type: application/json\r\n");
            assertThat(answer)
                    .endsWith("\r\n\r\n{\"detail\":\"Too many connections from this address "
                            + "(--max-connections-per-address)\"}");

            assertThat(upgradeFrom("127.0.0.3", accepting.wsUri()))
                    .as("another address is served")
                    .startsWith("HTTP/1.1 101 ");
            assertThat(upgradeFrom("127.0.0.2", accepting.wsUri()))
                    .as("the full one is not")
                    .startsWith("HTTP/1.1 429 ");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // Closed sockets give their address its share back.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(upgradeFrom("127.0.0.2", accepting.wsUri())).startsWith("HTTP/1.1 101 "));
    }

    @Test
    void plainSocketsAreChargedAgainstTheNewConnectionRate() throws Exception {
        // A burst of 2, then 1 a second: sockets that send nothing spend the burst, and the next one is refused at
        // accept. Refills while the test runs (a loaded machine is slow) only move the refusal a socket or two later.
        List<Socket> sockets = new ArrayList<>();
        try {
            String refusal = null;
            int admitted = 0;
            while (refusal == null && sockets.size() < 10) {
                Socket s = socketFrom("127.0.0.4", rated.httpUri());
                sockets.add(s);
                s.setSoTimeout(300);
                try {
                    refusal = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (SocketTimeoutException admittedSocketSaysNothing) {
                    admitted++;
                }
            }
            assertThat(admitted).as("the burst lets two sockets in").isGreaterThanOrEqualTo(2);
            assertThat(refusal)
                    .as("a socket over the rate")
                    .isNotNull()
                    .startsWith("HTTP/1.1 429 ")
                    .endsWith("{\"detail\":\"Too many new connections from this address "
                            + "(--connection-rate-per-address); retry later\"}");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static double refusals(GatewayServerExtension server, String reason) {
        return server.server()
                .meterRegistry()
                .get("gateway.security.refusals")
                .tag("reason", reason)
                .counter()
                .count();
    }

    /** A socket to the gateway at {@code uri} from the loopback address {@code local}, sending nothing. */
    private static Socket socketFrom(String local, URI uri) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(local, 0));
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        return s;
    }

    /** A WebSocket upgrade of {@code ws} from {@code local}; the status line and headers of the answer. */
    private static String upgradeFrom(String local, URI ws) throws IOException {
        try (Socket s = socketFrom(local, ws)) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET " + ws.getRawPath() + " HTTP/1.1\r\nHost: " + ws.getHost() + ":"
                                    + ws.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    + "Sec-WebSocket-Version: 13\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            InputStream in = s.getInputStream();
            int b;
            while (!head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
                head.append((char) b);
            }
            return head.toString();
        }
    }
}
