package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection caps over real sockets (PROTOCOL.md section 7, weak point 2: "number of connections (no limit in the
 * code)"): the global cap answers 503, the per-address cap and rate answer 429, all before any WebSocket frame.
 * The tests run on loopback, so the per-address servers set {@code --limit-loopback}.
 */
class ConnectionLimitsIT {

    @RegisterExtension
    static final GatewayServerExtension capped = new GatewayServerExtension(c -> c.withSecurity(
            s -> s.withConnections(l -> l.withMaxConnections(2))));

    @RegisterExtension
    static final GatewayServerExtension perAddress = new GatewayServerExtension(c -> c.withSecurity(
            s -> s.withConnections(l -> l.withPerAddress(2, 0, 1, true))));

    @RegisterExtension
    static final GatewayServerExtension rated = new GatewayServerExtension(c -> c.withSecurity(
            s -> s.withConnections(l -> l.withPerAddress(0, 1, 2, true))));

    @Test
    void theGlobalCapAnswers503UntilAConnectionCloses() throws Exception {
        WsTestClient a = WsTestClient.connect(capped.wsUri());
        try (WsTestClient b = WsTestClient.connect(capped.wsUri())) {
            assertThat(a.request("{\"client_id\": \"cap-a\"}")).contains("message_processed");
            assertThat(b.request("{\"client_id\": \"cap-b\"}")).contains("message_processed");
            try (RawWsClient c = RawWsClient.connect(capped.wsUri())) {
                assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 503 ");
                assertThat(c.handshakeResponse().toLowerCase()).contains("retry-after: 5");
                assertThat(c.readRemaining()).isEqualTo(
                        "{\"detail\":\"The gateway is at its connection limit (--max-connections); retry later\"}");
            }
            a.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawWsClient c = RawWsClient.connect(capped.wsUri())) {
                    assertThat(c.upgraded()).isTrue();
                }
            });
        }
        assertThat(capped.server().meterRegistry().get("gateway.security.refusals").tag("reason", "capacity")
                .counter().count()).isGreaterThanOrEqualTo(1.0);
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
        assertThat(refused).isEqualTo("{\"detail\":\"Too many new connections from this address "
                + "(--connection-rate-per-address); retry later\"}");
        assertThat(rated.server().meterRegistry().get("gateway.security.refusals").tag("reason", "address_rate")
                .counter().count()).isGreaterThanOrEqualTo(1.0);
    }
}
