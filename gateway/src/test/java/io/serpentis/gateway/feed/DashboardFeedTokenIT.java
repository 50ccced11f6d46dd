package io.serpentis.gateway.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/** With an admin token configured, the feed needs it, in any of the three places a browser or script can put it. */
class DashboardFeedTokenIT {
    static final String TOKEN = "feed-token-0123456789";

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAdminToken(TOKEN)));

    static final JsonMapper JSON = JsonMapper.builder().build();

    static URI feed(String query) {
        return URI.create(gw.wsUri().toString().replace("/ws", "/ws/dashboard") + query);
    }

    @Test
    void withoutTheTokenTheUpgradeIsRefusedWith401() throws Exception {
        try (RawWsClient none = RawWsClient.connect(feed(""));
                RawWsClient wrong = RawWsClient.connect(feed("?token=not-the-token-at-all"))) {
            assertThat(none.handshakeResponse())
                    .startsWith("HTTP/1.1 401")
                    .containsIgnoringCase("WWW-Authenticate: Bearer")
                    .containsIgnoringCase("Cache-Control: no-store");
            assertThat(wrong.handshakeResponse()).startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void theTokenIsTakenFromTheQuery() {
        try (WsTestClient viewer = WsTestClient.connect(feed("?token=" + TOKEN))) {
            assertThat(JSON.readTree(viewer.next()).path("type").asString()).isEqualTo("snapshot");
        }
    }

    @Test
    void theTokenIsTakenFromABearerSubprotocolAndTheFeedsOwnIsSelected() {
        try (WsTestClient viewer =
                WsTestClient.connectWithSubprotocols(feed(""), DashboardViewerHandler.SUBPROTOCOL, "bearer." + TOKEN)) {
            assertThat(viewer.subprotocol()).isEqualTo(DashboardViewerHandler.SUBPROTOCOL);
            assertThat(JSON.readTree(viewer.next()).path("type").asString()).isEqualTo("snapshot");
        }
    }

    @Test
    void theTokenIsTakenFromTheAuthorizationHeader() {
        try (WsTestClient viewer = WsTestClient.connect(feed(""), "Authorization", "Bearer " + TOKEN)) {
            assertThat(JSON.readTree(viewer.next()).path("type").asString()).isEqualTo("snapshot");
        }
    }

    @Test
    void theStatusEndpointNeedsNoToken() {
        try (WsTestClient client = WsTestClient.connect(gw.wsUri())) {
            assertThat(client.request("{\"client_id\": \"token-it\"}")).contains("message_processed");
        }
    }
}
