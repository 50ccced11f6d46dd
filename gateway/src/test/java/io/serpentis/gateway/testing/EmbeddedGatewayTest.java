package io.serpentis.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.serpentis.gateway.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The harness itself: a test that leaves something the server wrote unread fails at {@link EmbeddedGateway#close}. */
class EmbeddedGatewayTest {

    @Test
    void closeFailsOnAFrameNoTestRead() {
        EmbeddedGateway gw = new EmbeddedGateway(GatewayConfig.defaults());
        assertThat(gw.handshake()).startsWith("HTTP/1.1 101 ");
        gw.send(new TextWebSocketFrame("{\"client_id\": \"stray-1\"}"));
        gw.send(new TextWebSocketFrame("not json"));
        assertThat(gw.readText()).contains("message_processed");

        assertThatThrownBy(gw::close)
                .isInstanceOf(AssertionError.class)
                .hasMessage("the server wrote 1 message(s) that no test read: "
                        + "TextWebSocketFrame '{\"error\": \"Invalid JSON format\"}'");
    }

    @Test
    void closeFailsOnAFrameDecodedButNotTaken() {
        EmbeddedGateway gw = new EmbeddedGateway(GatewayConfig.defaults());
        gw.handshake();
        gw.send(new TextWebSocketFrame("[1]"));
        gw.send(new TextWebSocketFrame("[2]"));
        // read() decodes everything written so far and returns the first frame; the second waits in the decoder
        assertThat(gw.readText()).isEqualTo("{\"error\": \"Message must be a JSON object\"}");

        assertThatThrownBy(gw::close)
                .hasMessageContaining("1 message(s)")
                .hasMessageContaining("Message must be a JSON object");
    }

    @Test
    void closeFailsOnAnHttpAnswerNoTestRead() {
        EmbeddedGateway gw = new EmbeddedGateway(GatewayConfig.defaults());
        gw.channel.writeInbound(
                Unpooled.copiedBuffer("GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n", StandardCharsets.US_ASCII));

        assertThatThrownBy(gw::close).hasMessageContaining("HTTP/1.1 404 ");
    }

    @Test
    void closePassesWhenEverythingWasRead() {
        try (EmbeddedGateway gw = new EmbeddedGateway(GatewayConfig.defaults())) {
            gw.handshake();
            gw.send(new TextWebSocketFrame("{\"client_id\": \"clean-1\"}"));
            assertThat(gw.readText()).contains("message_processed");
            gw.assertNoMoreFrames();
        }
    }
}
