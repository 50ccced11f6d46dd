package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.testing.EmbeddedGateway;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-connection message rate on the real pipeline, on a frozen clock. */
class MessageRateLimitTest {
    private static final String LIMIT_ERROR = "{\"error\": \"rate limit exceeded: more than 2 messages per second "
            + "(--message-rate, bursts of 3); nothing was stored\"}";

    private EmbeddedGateway gw;

    private EmbeddedGateway gateway(Duration closeAfter) {
        gw = new EmbeddedGateway(GatewayConfig.defaults()
                .withSecurity(s -> s.withConnections(c -> c.toBuilder()
                        .messageRate(2)
                        .messageBurst(3)
                        .rateLimitCloseAfter(closeAfter)
                        .build())));
        assertThat(gw.handshake()).startsWith("HTTP/1.1 101");
        return gw;
    }

    @AfterEach
    void close() {
        gw.close();
    }

    private void send(String id, int n) {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"" + id + "\", \"status\": {\"n\": " + n + "}}"));
    }

    private ClientSnapshot record(String id) {
        return gw.registry.find(id).snapshot();
    }

    @Test
    void aBurstOverTheRateIsRefusedAndNothingOfItIsStored() {
        gateway(Duration.ofSeconds(10));
        for (int n = 1; n <= 5; n++) {
            send("rl-1", n);
        }
        assertThat(gw.readText()).contains("\"status_updated\": [\"n\", \"connected\", \"connect_time\"]");
        assertThat(gw.readText()).contains("message_processed");
        assertThat(gw.readText()).contains("message_processed");
        assertThat(gw.readText()).isEqualTo(LIMIT_ERROR);
        assertThat(gw.readText()).isEqualTo(LIMIT_ERROR);
        assertThat(record("rl-1").get("n")).isEqualTo("3");
        assertThat(gw.channel.isOpen()).isTrue();
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "rate_limited")
                        .counter()
                        .count())
                .isEqualTo(2.0);

        gw.advanceMillis(500); // one token back at 2 a second
        send("rl-1", 6);
        send("rl-1", 7);
        assertThat(gw.readText()).contains("message_processed");
        assertThat(gw.readText()).isEqualTo(LIMIT_ERROR);
        assertThat(record("rl-1").get("n")).isEqualTo("6");
    }

    @Test
    void invalidMessagesCountAgainstTheRateToo() {
        gateway(Duration.ofSeconds(10));
        for (int i = 0; i < 4; i++) {
            gw.send(new TextWebSocketFrame("not json"));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(gw.readText()).isEqualTo("{\"error\": \"Invalid JSON format\"}");
        }
        assertThat(gw.readText()).isEqualTo(LIMIT_ERROR);
    }

    @Test
    void aConnectionThatKeepsFloodingIsClosedWith1008() {
        gateway(Duration.ofSeconds(3));
        send("rl-2", 0);
        for (int tick = 0; tick < 40 && gw.channel.isOpen(); tick++) {
            for (int i = 0; i < 5; i++) {
                send("rl-2", tick * 10 + i);
            }
            gw.advanceMillis(100); // 50 messages a second against a rate of 2
        }
        WebSocketFrame f;
        CloseWebSocketFrame close = null;
        while ((f = gw.read()) != null) {
            if (f instanceof CloseWebSocketFrame c) {
                close = c.retain();
            }
            f.release();
        }
        assertThat(close).as("closed within the 4 s the flood lasted").isNotNull();
        assertThat(close.statusCode()).isEqualTo(1008);
        assertThat(close.reasonText()).isEqualTo("Message rate limit exceeded");
        close.release();
        gw.advanceSeconds(5); // the close timeout ends the connection if the peer does not answer
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(record("rl-2").get("status_detail")).isEqualTo("Policy violation: message rate limit exceeded");
        assertThat(gw.meters
                        .get("gateway.ws.policy.closes")
                        .tag("reason", "rate_limit")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void pausesOfASecondEndARefusalStreak() {
        gateway(Duration.ofSeconds(3));
        send("rl-3", 0);
        for (int round = 0; round < 8; round++) { // 8 s of bursts, each followed by a 1 s pause
            for (int i = 0; i < 6; i++) {
                send("rl-3", i);
            }
            gw.advanceMillis(1000);
        }
        assertThat(gw.channel.isOpen()).isTrue();
        WebSocketFrame f;
        while ((f = gw.read()) != null) {
            assertThat(f).isNotInstanceOf(CloseWebSocketFrame.class);
            f.release();
        }
    }

    @Test
    void theDefaultsDoNotThrottleTheOriginalsClient() {
        gw = new EmbeddedGateway(GatewayConfig.defaults());
        assertThat(gw.handshake()).startsWith("HTTP/1.1 101");
        // The reference client sends its first status and a periodic one at once, then one every 10 s.
        for (int n = 0; n < 200; n++) {
            send("ref-1", n);
            assertThat(gw.readText()).contains("message_processed");
        }
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "rate_limited")
                        .counter()
                        .count())
                .isZero();
    }
}
