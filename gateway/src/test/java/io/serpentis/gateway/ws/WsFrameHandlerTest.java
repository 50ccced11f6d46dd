package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.pipeline.PipelineNames;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.security.Admission;
import io.serpentis.gateway.testing.EmbeddedGateway;
import io.serpentis.gateway.testing.RecordingConnection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The WebSocket stages of the real pipeline on an EmbeddedChannel. */
class WsFrameHandlerTest {
    private EmbeddedGateway gw;

    @BeforeEach
    void upgrade() {
        gw = new EmbeddedGateway(GatewayConfig.defaults());
        assertThat(gw.handshake()).startsWith("HTTP/1.1 101");
    }

    @AfterEach
    void close() {
        gw.close();
    }

    private ClientSnapshot record(String id) {
        return gw.registry.find(id).snapshot();
    }

    @Test
    void acksEachMessageInOrder() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e1\", \"status\": {\"a\": 1}}"));
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e1\", \"status\": {\"b\": 2}}"));
        assertThat(gw.readText()).contains("\"status_updated\": [\"a\", \"connected\", \"connect_time\"]");
        assertThat(gw.readText()).contains("\"status_updated\": [\"b\"]");
        assertThat(record("e1").get("b")).isEqualTo("2");
    }

    @Test
    void closesBinaryFramesWith1003AndRecordsTheEnd() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e2\"}"));
        gw.readText();
        gw.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})));
        assertThat(gw.readText()).contains("Binary frames are not supported");
        WebSocketFrame close = gw.read();
        assertThat(close).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(1003);
        close.release();
        // The peer answers the close; the server then closes TCP (RFC 6455 section 7.1.1).
        gw.send(new CloseWebSocketFrame(1003, ""));
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(record("e2").get("connected")).isEqualTo("false");
        assertThat(record("e2").get("status_detail")).isEqualTo("Protocol error: binary frame");
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "binary")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void echoesTheClientsCloseCodeAndRecordsDisconnectedByClient() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e3\", \"status\": {\"client_state\": \"running\"}}"));
        gw.readText();
        gw.send(new CloseWebSocketFrame(4000, "bye"));
        WebSocketFrame reply = gw.read();
        // RFC 6455 section 5.5.1: the endpoint answers with a close frame carrying the status code it received.
        assertThat(((CloseWebSocketFrame) reply).statusCode()).isEqualTo(4000);
        reply.release();
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(record("e3").get("status_detail")).isEqualTo("Disconnected by client");
        assertThat(record("e3").get("client_state")).isEqualTo("running");
    }

    /** The defaults: a ping after 5 s of silence, a second one 5 s later, the close 12 s after the last traffic. */
    @Test
    void pingsAQuietConnectionAndClosesASilentOneWith4002() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e4\"}"));
        gw.readText();
        gw.advanceSeconds(4);
        assertThat(gw.read()).as("nothing before 5 s of silence").isNull();
        gw.advanceSeconds(1);
        WebSocketFrame ping = gw.read();
        assertThat(ping).isInstanceOf(PingWebSocketFrame.class);
        ping.release();
        gw.advanceSeconds(5);
        ping = gw.read();
        assertThat(ping).as("the second ping").isInstanceOf(PingWebSocketFrame.class);
        ping.release();
        gw.advanceSeconds(1);
        assertThat(gw.channel.isOpen()).as("11 s after the last traffic").isTrue();
        gw.advanceSeconds(1);
        WebSocketFrame close = gw.read();
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(4002);
        close.release();
        assertThat(gw.channel.isOpen()).isFalse();
        assertThat(record("e4").get("connected")).isEqualTo("false");
        assertThat(record("e4").get("status_detail")).isEqualTo("Timed out: no traffic for 12 s");
    }

    @Test
    void countsRefusedMessagesByKind() {
        gw.send(new TextWebSocketFrame("nope"));
        gw.send(new TextWebSocketFrame("[1]"));
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e5\", \"status\": {\"v\": \"" + "x".repeat(9000) + "\"}}"));
        assertThat(gw.readText()).isEqualTo("{\"error\": \"Invalid JSON format\"}");
        assertThat(gw.readText()).isEqualTo("{\"error\": \"Message must be a JSON object\"}");
        assertThat(gw.readText()).contains("max-value-bytes");
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "invalid_json")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "limit")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(gw.channel.isOpen()).isTrue();
    }

    @Test
    void countsRepeatedKeysAndUnpairedSurrogatesUnderTheirOwnKinds() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e6\", \"status\": {\"k\": 1, \"k\": 2}}"));
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e6\", \"status\": {\"k\": \"\\udc00\"}}"));
        assertThat(gw.readText()).startsWith("{\"error\": \"Duplicate key 'k'");
        assertThat(gw.readText()).startsWith("{\"error\": \"attribute names and values must be valid Unicode");
        assertThat(gw.channel.isOpen()).isTrue();
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e6\\ud800\"}"));
        assertThat(gw.readText()).startsWith("{\"error\": \"client_id must be valid Unicode");
        assertThat(gw.meters
                        .get("gateway.ws.messages.rejected")
                        .tag("kind", "duplicate_key")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(gw.meters
                        .get("gateway.ws.messages.received")
                        .tag("kind", "registration")
                        .tag("result", "invalid_unicode")
                        .counter()
                        .count())
                .isEqualTo(2.0);
        assertThat(gw.registry.find("e6")).isNull();
        WebSocketFrame close = gw.read();
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(1000);
        close.release();
    }

    @Test
    void theSessionTakesTheUpgradeGrantOffTheChannel() {
        assertThat(gw.channel.hasAttr(Admission.KEY)).isFalse();
        assertThat(gw.channel.attr(WsSession.KEY).get()).isNotNull();
    }

    @Test
    void aConnectionThatNeverFragmentsCarriesNoFrameAggregator() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"f0\", \"status\": {\"a\": 1}}"));
        assertThat(gw.readText()).contains("message_processed");
        assertThat(gw.channel.pipeline().names()).doesNotContain(PipelineNames.WS_AGGREGATOR);
    }

    @Test
    void theFirstFragmentedMessageAddsTheAggregatorAndArrivesWhole() {
        gw.send(new TextWebSocketFrame(false, 0, "{\"client_id\": \"f1\", "));
        gw.send(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {9}))); // control frames may interleave
        WebSocketFrame pong = gw.read();
        assertThat(pong).isInstanceOf(PongWebSocketFrame.class);
        pong.release();
        gw.send(new ContinuationWebSocketFrame(false, 0, "\"status\": {\"a\": "));
        gw.send(new ContinuationWebSocketFrame(true, 0, "1}}"));
        assertThat(gw.readText()).contains("\"status_updated\": [\"a\", \"connected\", \"connect_time\"]");
        assertThat(gw.channel.pipeline().names()).contains(PipelineNames.WS_AGGREGATOR);

        gw.send(new TextWebSocketFrame(false, 0, "{\"client_id\": \"f1\", "));
        gw.send(new ContinuationWebSocketFrame(true, 0, "\"status\": {\"b\": 2}}"));
        assertThat(gw.readText()).contains("\"status_updated\": [\"b\"]");
        assertThat(record("f1").get("b")).isEqualTo("2");
    }

    @Test
    void aFragmentedMessageOverTheLimitClosesWith1009() {
        int max = GatewayConfig.defaults().ws().maxFrameBytes();
        gw.send(new TextWebSocketFrame("{\"client_id\": \"f2\"}"));
        gw.readText();
        gw.send(new TextWebSocketFrame(false, 0, "{\"client_id\": \"f2\", \"status\": {\"a\": \""));
        gw.send(new ContinuationWebSocketFrame(false, 0, "x".repeat(max)));
        WebSocketFrame close = gw.read();
        assertThat(close).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(1009);
        close.release();
    }

    @Test
    void answersPingsWithPongs() {
        gw.send(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {7})));
        WebSocketFrame pong = gw.read();
        try {
            // RFC 6455 section 5.5.3: a Pong frame (not the Ping echoed) with the Ping's application data.
            assertThat(pong).isInstanceOf(PongWebSocketFrame.class);
            assertThat(pong.content().readableBytes()).isEqualTo(1);
            assertThat(pong.content().getByte(0)).isEqualTo((byte) 7);
        } finally {
            pong.release();
        }
        assertThat(gw.channel.isOpen()).isTrue();
    }

    @Test
    void aTakenOverConnectionIsClosedOnItsOwnLoopNeverUnderTheRecordsLock() {
        gw.send(new TextWebSocketFrame("{\"client_id\": \"e7\"}"));
        gw.readText();
        ClientRecord record = gw.registry.find("e7");
        List<Boolean> lockHeldAtWrite = new ArrayList<>();
        gw.channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                lockHeldAtWrite.add(Thread.holdsLock(record));
                ctx.write(msg, promise);
            }
        });

        // A newer connection registers the id: the registry tells this one while it holds the record's monitor, on
        // this connection's own event loop (an EmbeddedChannel's loop is every thread), as two connections of one
        // client sharing a loop would.
        gw.registry.apply(new RecordingConnection("newer"), new StatusUpdate("e7", new String[0], new String[0]));
        assertThat(lockHeldAtWrite).as("written while the registry called in").isEmpty();

        gw.channel.runPendingTasks();
        WebSocketFrame close = gw.read();
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(4001);
        close.release();
        assertThat(lockHeldAtWrite).containsOnly(false);
        assertThat(gw.meters.get("gateway.ws.takeovers").counter().count()).isEqualTo(1.0);
    }
}
