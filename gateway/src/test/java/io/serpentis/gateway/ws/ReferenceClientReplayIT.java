package io.serpentis.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replays what the original's own client ({@code src/client/client.py}, PROTOCOL.md section 4.18) sends and
 * expects, step by step, and checks what {@code /statuses} records after each step. The client registers, sends
 * its first periodic status right away, acknowledges pause and resume with ordinary status updates, and on
 * {@code disconnect} acknowledges within the grace and closes by itself; with the gateway's grace (table row 17)
 * that ends cleanly, recorded as "Disconnected by server", instead of the original's reconnect after 5 s.
 */
class ReferenceClientReplayIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final String TS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00";
    private static final DateTimeFormatter ISO_MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'+00:00'");

    private final HttpTestClient http = new HttpTestClient(gw.httpUri());

    /** {@code datetime.now(timezone.utc).isoformat()}, as the reference client writes its timestamps. */
    private static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC).format(ISO_MICROS);
    }

    private static String ack(String id, String... updated) {
        return ProtocolTranscriptIT.ack(id, updated);
    }

    @Test
    void referenceClientSessionFromRegistrationToServerDisconnect() {
        String id = UUID.randomUUID().toString(); // the reference client's ids are uuid4
        try (WsTestClient ws = WsTestClient.connect(gw.wsUri())) {
            // section 4.18: the initial status and, immediately after, the first periodic one (acks read later)
            String connectedAt = now();
            ws.send("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"running\", \"connected_at\": \""
                    + connectedAt + "\", \"timestamp\": \"" + now() + "\", \"cpu_usage\": 79.59,"
                    + " \"memory_usage\": 89.77}}");
            String periodic = now();
            ws.send("{\"client_id\": \"" + id + "\", \"status\": {\"timestamp\": \"" + periodic + "\","
                    + " \"cpu_usage\": 83.8, \"memory_usage\": 16.81, \"client_state\": \"running\"}}");
            assertThat(ws.next())
                    .isEqualTo(ack(
                            id,
                            "client_state",
                            "connected_at",
                            "timestamp",
                            "cpu_usage",
                            "memory_usage",
                            "connected",
                            "connect_time"));
            assertThat(ws.next()).isEqualTo(ack(id, "timestamp", "cpu_usage", "memory_usage", "client_state"));

            Map<String, String> r = http.record(id);
            assertThat(r.keySet())
                    .containsExactly(
                            "client_state",
                            "connected_at",
                            "timestamp",
                            "cpu_usage",
                            "memory_usage",
                            "connected",
                            "connect_time",
                            "last_seen");
            assertThat(r)
                    .contains(
                            entry("client_state", "running"),
                            entry("connected_at", connectedAt),
                            entry("timestamp", periodic),
                            entry("cpu_usage", "83.8"),
                            entry("memory_usage", "16.81"),
                            entry("connected", "true"));
            assertThat(r.get("connect_time")).matches(TS);
            String connectTime = r.get("connect_time");

            // pause: the server records client_state paused at once; the client acknowledges with a status update
            HttpResponse<String> pause = http.command(id, "pause");
            assertThat(pause.statusCode()).isEqualTo(200);
            assertThat(ws.next()).isEqualTo("{\"command\": \"pause\"}");
            assertThat(http.record(id)).containsEntry("client_state", "paused");
            String pausedAt = now();
            assertThat(ws.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"paused\","
                            + " \"acknowledged_command\": \"pause\", \"timestamp\": \"" + pausedAt + "\"}}"))
                    .isEqualTo(ack(id, "client_state", "acknowledged_command", "timestamp"));
            r = http.record(id);
            // section 5: HGETALL of a live, paused reference client (plus the gateway's last_seen)
            assertThat(r.keySet())
                    .containsExactly(
                            "client_state",
                            "connected_at",
                            "timestamp",
                            "cpu_usage",
                            "memory_usage",
                            "connected",
                            "connect_time",
                            "acknowledged_command",
                            "last_seen");
            assertThat(r)
                    .contains(
                            entry("client_state", "paused"),
                            entry("acknowledged_command", "pause"),
                            entry("timestamp", pausedAt),
                            entry("cpu_usage", "83.8"),
                            entry("memory_usage", "16.81"),
                            entry("connected", "true"),
                            entry("connect_time", connectTime));

            // resume, acknowledged likewise; periodic updates start again
            assertThat(http.command(id, "resume").statusCode()).isEqualTo(200);
            assertThat(ws.next()).isEqualTo("{\"command\": \"resume\"}");
            assertThat(http.record(id)).containsEntry("client_state", "running");
            assertThat(ws.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"running\","
                            + " \"acknowledged_command\": \"resume\", \"timestamp\": \"" + now() + "\"}}"))
                    .isEqualTo(ack(id, "client_state", "acknowledged_command", "timestamp"));
            assertThat(ws.request("{\"client_id\": \"" + id + "\", \"status\": {\"timestamp\": \"" + now() + "\","
                            + " \"cpu_usage\": 12.5, \"memory_usage\": 40.0, \"client_state\": \"running\"}}"))
                    .isEqualTo(ack(id, "timestamp", "cpu_usage", "memory_usage", "client_state"));
            assertThat(http.record(id))
                    .contains(
                            entry("client_state", "running"),
                            entry("acknowledged_command", "resume"),
                            entry("cpu_usage", "12.5"),
                            entry("memory_usage", "40.0"),
                            entry("connected", "true"));

            // disconnect: the client receives the command, acknowledges within the grace and closes by itself
            HttpResponse<String> disconnect = http.command(id, "disconnect");
            assertThat(disconnect.statusCode()).isEqualTo(200);
            assertThat(disconnect.body())
                    .isEqualTo("{\"message\":\"Client " + id + " disconnected successfully by server.\"}");
            assertThat(ws.next()).isEqualTo("{\"command\": \"disconnect\"}");
            assertThat(ws.request("{\"client_id\": \"" + id + "\", \"status\": {\"acknowledged_command\":"
                            + " \"disconnect\", \"timestamp\": \"" + now() + "\"}}"))
                    .isEqualTo(ack(id, "acknowledged_command", "timestamp"));
            ws.close(1000, "");
            // the server only echoes the client's close: the client exits cleanly (no "Server initiated disconnect")
            assertThat(ws.awaitClose()).isEqualTo(new WsTestClient.Close(1000, ""));
        }

        Map<String, String> end = await().atMost(Duration.ofSeconds(10))
                .until(() -> http.record(id), rec -> "false".equals(rec.get("connected")));
        assertThat(end)
                .contains(
                        entry("connected", "false"),
                        entry("status_detail", "Disconnected by server"),
                        entry("client_state", "offline"),
                        entry("acknowledged_command", "disconnect"),
                        entry("cpu_usage", "12.5"),
                        entry("connected_at", end.get("connected_at")));
        assertThat(end.get("disconnect_time")).matches(TS);
        assertThat(http.command(id, "disconnect").body())
                .isEqualTo("{\"detail\":\"Client " + id + " already disconnected.\"}");
    }
}
