package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.UpdateOutcome;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RecordingConnection;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /statuses} stays correct with 100,000 registered clients (PROTOCOL.md section 4.16 and table row 2:
 * the original answered with every record and no paging; the gateway must at least get every one of them right).
 *
 * <p>Registering 100,000 clients over real sockets is too heavy for CI, so the fleet is registered directly with
 * {@code registry().apply(conn, update)}: that is the registry's own public API, the very call every WebSocket
 * session makes, with a trivial {@link ClientConnection} standing in for a socket. It is not a fake of the
 * gateway: the listing, its encoding and the HTTP path are all the real thing. A few real WebSocket clients are
 * connected alongside.
 */
class LargeFleetIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    static final int FLEET = 100_000;
    /** Every this many fleet clients, one is released (disconnected by client). */
    static final int RELEASE_EVERY = 1_000;

    static final int SOCKETS = 3;
    static final String TS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00";
    static final JsonMapper JSON = JsonMapper.builder().build();

    static final RecordingConnection[] connections = new RecordingConnection[FLEET];
    static final List<WsTestClient> sockets = new ArrayList<>();

    static String fleetId(int i) {
        return "fleet-" + i;
    }

    static String socketId(int i) {
        return "fleet-socket-" + i;
    }

    @BeforeAll
    static void registerFleet() {
        for (int i = 0; i < FLEET; i++) {
            String id = fleetId(i);
            connections[i] = new RecordingConnection(id);
            String n = Integer.toString(i);
            UpdateOutcome outcome = gw.registry()
                    .apply(connections[i], new StatusUpdate(id, new String[] {"n", "m", "group"}, new String[] {
                        n, n, "g" + (i % 7)
                    }));
            assertThat(outcome.kind()).isEqualTo(UpdateOutcome.Kind.REGISTERED);
            if (i % RELEASE_EVERY == 0) {
                assertThat(gw.registry().release(connections[i], id, DisconnectReason.CLIENT))
                        .isTrue();
            }
        }
        for (int i = 0; i < SOCKETS; i++) {
            WsTestClient ws = WsTestClient.connect(gw.wsUri());
            sockets.add(ws);
            assertThat(ws.request("{\"client_id\": \"" + socketId(i) + "\", \"status\": {\"n\": " + i + ", \"m\": " + i
                            + ", \"client_state\": \"running\"}}"))
                    .isEqualTo("{\"result\": \"message_processed\", \"client_id\": \"" + socketId(i)
                            + "\", \"status_updated\": [\"n\", \"m\", \"client_state\", \"connected\","
                            + " \"connect_time\"], \"redis_status\": \"embedded\"}");
        }
    }

    @AfterAll
    static void closeSockets() {
        sockets.forEach(WsTestClient::close);
    }

    @Test
    void listsEveryClientOfTheFleetWithItsFields() {
        HttpResponse<String> r = new HttpTestClient(gw.httpUri()).get("/statuses");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValueAsLong("content-length"))
                .hasValue(r.body().getBytes(StandardCharsets.UTF_8).length);
        JsonNode statuses = JSON.readTree(r.body());
        assertThat(statuses.propertyNames()).containsExactly("redis_status", "clients", "data_source");
        JsonNode clients = statuses.get("clients");
        assertThat(clients.size()).isEqualTo(FLEET + SOCKETS);

        Set<String> seen = new HashSet<>();
        for (int i = 0; i < FLEET; i++) {
            String id = fleetId(i);
            Map<String, String> rec = HttpTestClient.record(statuses, id);
            assertThat(rec).as(id).isNotNull();
            seen.add(id);
            String n = Integer.toString(i);
            boolean released = i % RELEASE_EVERY == 0;
            List<String> keys = released
                    ? List.of(
                            "n",
                            "m",
                            "group",
                            "connected",
                            "connect_time",
                            "disconnect_time",
                            "status_detail",
                            "last_seen")
                    : List.of("n", "m", "group", "connected", "connect_time", "last_seen");
            if (!List.copyOf(rec.keySet()).equals(keys)
                    || !n.equals(rec.get("n"))
                    || !n.equals(rec.get("m"))
                    || !("g" + (i % 7)).equals(rec.get("group"))
                    || !(released ? "false" : "true").equals(rec.get("connected"))
                    || !rec.get("connect_time").matches(TS)
                    || !rec.get("last_seen").matches(TS)
                    || released
                            && (!rec.get("disconnect_time").matches(TS)
                                    || !"Disconnected by client".equals(rec.get("status_detail")))) {
                // one readable failure instead of a million assertion objects
                throw new AssertionError("wrong record for " + id + ": " + rec);
            }
        }
        for (int i = 0; i < SOCKETS; i++) {
            Map<String, String> rec = HttpTestClient.record(statuses, socketId(i));
            assertThat(rec)
                    .as(socketId(i))
                    .containsEntry("n", Integer.toString(i))
                    .containsEntry("client_state", "running")
                    .containsEntry("connected", "true");
            assertThat(List.copyOf(rec.keySet()))
                    .containsExactly("n", "m", "client_state", "connected", "connect_time", "last_seen");
            seen.add(socketId(i));
        }
        assertThat(seen).hasSize(FLEET + SOCKETS);
    }

    @Test
    void listingStaysConsistentWhileTheFleetKeepsChanging() throws Exception {
        // Each update writes n and m together; a listing must never show one without the other (records are
        // copied under their own lock) and must always list the whole fleet, whatever changes meanwhile.
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger applied = new AtomicInteger();
        Thread writer = new Thread(
                () -> {
                    int round = 0;
                    while (running.get()) {
                        round++;
                        for (int i = 1; i < FLEET && running.get(); i += 7) {
                            if (i % RELEASE_EVERY == 0) {
                                continue;
                            }
                            String v = round + "-" + i;
                            gw.registry()
                                    .apply(
                                            connections[i],
                                            new StatusUpdate(fleetId(i), new String[] {"n", "m"}, new String[] {v, v}));
                            applied.incrementAndGet();
                        }
                    }
                },
                "fleet-writer");
        writer.start();
        try {
            HttpTestClient http = new HttpTestClient(gw.httpUri());
            for (int listing = 0; listing < 3; listing++) {
                for (int s = 0; s < SOCKETS; s++) {
                    String v = listing + "-s" + s;
                    sockets.get(s)
                            .request("{\"client_id\": \"" + socketId(s) + "\", \"status\": {\"n\": \"" + v
                                    + "\", \"m\": \"" + v + "\"}}");
                }
                JsonNode clients = http.statuses().get("clients");
                assertThat(clients.size()).isEqualTo(FLEET + SOCKETS);
                for (Map.Entry<String, JsonNode> e : clients.properties()) {
                    JsonNode rec = e.getValue();
                    if (!rec.get("n").equals(rec.get("m")) || !rec.has("connected") || !rec.has("last_seen")) {
                        throw new AssertionError("torn record for " + e.getKey() + ": " + rec);
                    }
                }
            }
        } finally {
            running.set(false);
            writer.join();
        }
        assertThat(applied.get()).isPositive();
    }
}
