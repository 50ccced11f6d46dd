package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The disconnect grace of PROTOCOL.md's compatibility table, row 17, is configurable
 * ({@code GatewayConfig.withWs(w -> w.withDisconnectGrace(...))}): with none the close frame follows the command at
 * once; with a long one the client keeps its connection until it closes by itself, and either way the record says
 * "Disconnected by server" (section 4.9).
 */
class DisconnectGraceIT {

    @RegisterExtension
    static final GatewayServerExtension noGrace =
            new GatewayServerExtension(c -> c.withWs(w -> w.withDisconnectGrace(Duration.ZERO)));

    @RegisterExtension
    static final GatewayServerExtension longGrace =
            new GatewayServerExtension(c -> c.withWs(w -> w.withDisconnectGrace(Duration.ofSeconds(60))));

    private static final AtomicInteger SEQ = new AtomicInteger();

    private static String id(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    private static Map<String, String> awaitDisconnected(HttpTestClient http, String id) {
        return await().atMost(Duration.ofSeconds(10))
                .until(() -> http.record(id), r -> r != null && "false".equals(r.get("connected")));
    }

    @Test
    void withoutGraceTheCloseFrameFollowsTheCommandAtOnce() {
        HttpTestClient http = new HttpTestClient(noGrace.httpUri());
        String id = id("grace-zero");
        try (WsTestClient ws = WsTestClient.connect(noGrace.wsUri())) {
            ws.request(ProtocolTranscriptIT.msg(id, "{\"client_state\": \"running\"}"));
            assertThat(http.command(id, "disconnect").statusCode()).isEqualTo(200);
            assertThat(ws.next()).isEqualTo("{\"command\": \"disconnect\"}");
            assertThat(ws.awaitClose(Duration.ofMillis(900)))
                    .isEqualTo(new WsTestClient.Close(1000, "Server initiated disconnect"));
        }
        assertThat(awaitDisconnected(http, id))
                .contains(entry("status_detail", "Disconnected by server"), entry("client_state", "offline"));
    }

    @Test
    void withALongGraceTheClientKeepsItsConnectionUntilItClosesByItself() {
        HttpTestClient http = new HttpTestClient(longGrace.httpUri());
        String id = id("grace-long");
        try (WsTestClient ws = WsTestClient.connect(longGrace.wsUri())) {
            ws.request(ProtocolTranscriptIT.msg(id, "{\"client_state\": \"running\"}"));
            assertThat(http.command(id, "disconnect").statusCode()).isEqualTo(200);
            assertThat(ws.next()).isEqualTo("{\"command\": \"disconnect\"}");
            // well past the default grace of 1 s, the server has not closed
            await().during(Duration.ofMillis(2500))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !ws.isClosed());

            // while leaving, the client still gets its acks, but no more commands
            assertThat(ws.request(ProtocolTranscriptIT.msg(id, "{\"acknowledged_command\": \"disconnect\"}")))
                    .isEqualTo(ProtocolTranscriptIT.ack(id, "acknowledged_command"));
            HttpResponse<String> pause = http.command(id, "pause");
            assertThat(pause.statusCode()).isEqualTo(404);
            assertThat(pause.body()).isEqualTo("{\"detail\":\"Client " + id + " not found or not connected.\"}");
            HttpResponse<String> again = http.command(id, "disconnect");
            assertThat(again.statusCode()).isEqualTo(404);
            assertThat(again.body()).isEqualTo("{\"detail\":\"Client " + id + " already disconnected.\"}");
            assertThat(http.record(id)).containsEntry("connected", "true");

            ws.close(1000, "");
            assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
        }
        assertThat(awaitDisconnected(http, id))
                .contains(
                        entry("status_detail", "Disconnected by server"),
                        entry("client_state", "offline"),
                        entry("acknowledged_command", "disconnect"));
    }

    @Test
    void aLeavingClientThatDropsTcpIsStillDisconnectedByServer() {
        HttpTestClient http = new HttpTestClient(longGrace.httpUri());
        String id = id("grace-abort");
        WsTestClient ws = WsTestClient.connect(longGrace.wsUri());
        ws.request(ProtocolTranscriptIT.msg(id));
        assertThat(http.command(id, "disconnect").statusCode()).isEqualTo(200);
        assertThat(ws.next()).isEqualTo("{\"command\": \"disconnect\"}");
        ws.abort();
        assertThat(awaitDisconnected(http, id))
                .contains(entry("status_detail", "Disconnected by server"), entry("client_state", "offline"));
    }
}
