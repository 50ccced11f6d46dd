package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.feed.DashboardViewerHandler;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Subprotocol selection over real sockets (issue 11, point 9): {@code /ws} speaks no subprotocol and selects none,
 * even when a client offers the dashboard feed's (RFC 6455 section 4.2.2: the server selects one of those offered,
 * or none); only {@code /ws/dashboard} selects {@code serpentis.dashboard.v1}.
 */
class SubprotocolSelectionIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static URI feedUri() {
        return URI.create(gw.wsUri().toString().replace("/ws", "/ws/dashboard"));
    }

    private static String offered() {
        return "Sec-WebSocket-Protocol: " + DashboardViewerHandler.SUBPROTOCOL;
    }

    @Test
    void theStatusEndpointSelectsNoSubprotocolEvenWhenOfferedTheFeeds() throws Exception {
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri(), offered())) {
            assertThat(raw.upgraded()).as(raw.handshakeResponse()).isTrue();
            assertThat(raw.handshakeResponse().toLowerCase(Locale.ROOT)).doesNotContain("sec-websocket-protocol");
        }
        try (WsTestClient client =
                WsTestClient.connectWithSubprotocols(gw.wsUri(), DashboardViewerHandler.SUBPROTOCOL)) {
            assertThat(client.subprotocol()).isEmpty();
            assertThat(client.request("{\"client_id\": \"subprotocol-it\"}")).contains("message_processed");
        }
    }

    @Test
    void theFeedStillSelectsItsOwn() throws Exception {
        try (RawWsClient raw = RawWsClient.connect(feedUri(), offered() + ", other.v1")) {
            assertThat(raw.upgraded()).as(raw.handshakeResponse()).isTrue();
            assertThat(raw.handshakeResponse())
                    .containsIgnoringCase("sec-websocket-protocol: " + DashboardViewerHandler.SUBPROTOCOL + "\r\n");
        }
        try (WsTestClient viewer =
                WsTestClient.connectWithSubprotocols(feedUri(), DashboardViewerHandler.SUBPROTOCOL)) {
            assertThat(viewer.subprotocol()).isEqualTo(DashboardViewerHandler.SUBPROTOCOL);
            assertThat(viewer.next()).contains("\"type\":\"snapshot\"");
        }
    }
}
