package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.RawWsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that drops the connection in the middle of a fragmented message lost its connection; the aggregator's
 * {@code PrematureChannelClosureException} is not a gateway error (found by Autobahn 5.x, 6.4.x and 7.1.5).
 */
class MidMessageDropIT {
    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    @Test
    void aDropInsideAFragmentedMessageIsRecordedAsConnectionLost() throws Exception {
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
            raw.sendText("{\"client_id\": \"mid-drop-1\"}");
            assertThat(raw.readUntil(RawWsClient.TEXT).text()).contains("message_processed");
            // The first fragment of a text message, then the TCP connection ends.
            raw.send(false, RawWsClient.TEXT, "{\"client_id\": ".getBytes(StandardCharsets.UTF_8), true);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            ClientSnapshot s = gw.registry().find("mid-drop-1").snapshot();
            assertThat(s.get("connected")).isEqualTo("false");
            assertThat(s.get("status_detail")).isEqualTo("Connection lost");
        });
    }
}
