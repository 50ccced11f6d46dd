package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --client-auth shared-secret}: one token for every client, which may then register any id. */
class SharedSecretClientAuthIT {
    private static final String TOKEN = "shared-client-token-for-tests-01";

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(
            c -> c.withSecurity(s -> s.withClientAuth(ClientAuthConfig.sharedSecret(TOKEN))));

    @Test
    void missingAndWrongTokensAreRefusedWith401() throws Exception {
        for (String[] headers : new String[][] {
            {}, {"Authorization: Bearer not-the-token-0000000"}, {"Authorization: Bearer " + TOKEN + "x"}
        }) {
            try (RawWsClient c = RawWsClient.connect(gw.wsUri(), headers)) {
                assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 401 ");
                assertThat(c.readRemaining()).contains("\"detail\"");
            }
        }
        try (RawWsClient c = RawWsClient.connect(URI.create(gw.wsUri() + "?token=wrong"))) {
            assertThat(c.handshakeResponse()).startsWith("HTTP/1.1 401 ");
        }
    }

    @Test
    void theTokenInTheHeaderOrTheQueryOpensConnectionsForAnyId() {
        try (WsTestClient a = WsTestClient.connect(gw.wsUri(), "Authorization", "Bearer " + TOKEN);
                WsTestClient b = WsTestClient.connect(URI.create(gw.wsUri() + "?token=" + TOKEN))) {
            assertThat(a.request("{\"client_id\": \"shared-a\"}")).contains("message_processed");
            assertThat(b.request("{\"client_id\": \"shared-b\"}")).contains("message_processed");
        }
    }
}
