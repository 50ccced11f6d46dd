package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.PrometheusText;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Commands reach any client (issue 13 point 3), over real sockets between gateway processes on one Redis: a command
 * POSTed on one node reaches the client on the node that holds it (the frame at the client), with the very answers
 * a single gateway gives; a client nobody holds gets the same 404s as on one node; and when the holding node does
 * not answer (stopped with SIGSTOP) the request is answered {@code 503} after 2 s, and the command is not delivered
 * late when the node wakes up.
 */
class FleetCommandsIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WsTestClient> sockets = new ArrayList<>();
    private FleetHarness fleet;
    private GatewayProcess a;
    private GatewayProcess b;

    @BeforeEach
    void start() throws Exception {
        fleet = new FleetHarness("--redis-url", redis.url());
        a = fleet.start("gw-a");
        b = fleet.start("gw-b");
    }

    @AfterEach
    void stop() {
        sockets.forEach(WsTestClient::abort);
        fleet.close();
    }

    private WsTestClient clientOn(GatewayProcess node, String id) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        sockets.add(c);
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"running\"}}"))
                .contains("message_processed");
        FleetViewIT.everyNodeLists(Map.of(id, node == a ? "gw-a" : "gw-b"), Duration.ofSeconds(10), a, b);
        return c;
    }

    private static JsonNode body(HttpResponse<String> r) {
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> apiCommand(GatewayProcess node, String id, String command) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create(node.httpUri() + "/api/v1/clients/" + HttpTestClient.segment(id) + "/commands"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"" + command + "\"}"))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCommandPostedOnOneNodeReachesTheClientOnAnotherWithASingleGatewaysAnswers() throws Exception {
        WsTestClient worker = clientOn(a, "cmd/1 é");
        HttpTestClient onB = new HttpTestClient(b.httpUri());
        PrometheusText before = PrometheusText.scrape(b.httpUri());

        HttpResponse<String> paused = onB.command("cmd/1 é", "pause");
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        assertThat(body(paused).path("message").asString()).isEqualTo("Pause command sent to client cmd/1 é.");
        assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
        // The holding node records the client's state; every node's view shows it.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> "paused"
                        .equals(onB.statuses()
                                .path("clients")
                                .path("cmd/1 é")
                                .path("client_state")
                                .asString()));

        HttpResponse<String> resumed = apiCommand(b, "cmd/1 é", "resume");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(202);
        assertThat(body(resumed).path("status").asString()).isEqualTo("sent");
        assertThat(worker.next()).isEqualTo("{\"command\": \"resume\"}");

        HttpResponse<String> gone = onB.command("cmd/1 é", "disconnect");
        assertThat(gone.statusCode()).isEqualTo(200);
        assertThat(body(gone).path("message").asString())
                .isEqualTo("Client cmd/1 é disconnected successfully by server.");
        assertThat(worker.next()).isEqualTo("{\"command\": \"disconnect\"}");
        assertThat(worker.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1000);

        // Nobody holds it now: the answers of one gateway for a client that left.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> "false"
                        .equals(onB.statuses()
                                .path("clients")
                                .path("cmd/1 é")
                                .path("connected")
                                .asString()));
        HttpResponse<String> again = onB.command("cmd/1 é", "pause");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(body(again).path("detail").asString()).isEqualTo("Client cmd/1 é not found or not connected.");
        HttpResponse<String> twice = onB.command("cmd/1 é", "disconnect");
        assertThat(twice.statusCode()).isEqualTo(404);
        assertThat(body(twice).path("detail").asString()).isEqualTo("Client cmd/1 é already disconnected.");
        assertThat(apiCommand(b, "cmd/1 é", "pause").statusCode()).isEqualTo(409);

        HttpResponse<String> unknown = onB.command("nobody-anywhere", "pause");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(body(unknown).path("detail").asString())
                .isEqualTo("Client nobody-anywhere not found or not connected.");
        assertThat(apiCommand(b, "nobody-anywhere", "pause").statusCode()).isEqualTo(404);

        PrometheusText after = PrometheusText.scrape(b.httpUri());
        assertThat(PrometheusText.delta(before, after, "gateway_fleet_commands_total", "result", "sent"))
                .isEqualTo(3);
        assertThat(PrometheusText.delta(before, after, "gateway_fleet_command_seconds_count"))
                .isEqualTo(3);
    }

    @Test
    void aCommandForAClientOnAStoppedNodeIsAnswered503After2sAndNotDeliveredLate() throws Exception {
        WsTestClient worker = clientOn(a, "cmd-stopped");
        HttpTestClient onB = new HttpTestClient(b.httpUri());
        fleet.pause("gw-a");
        HttpResponse<String> r;
        long took;
        try {
            long start = System.nanoTime();
            r = onB.command("cmd-stopped", "pause");
            took = (System.nanoTime() - start) / 1_000_000;
        } finally {
            fleet.resume("gw-a");
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(body(r).path("detail").asString()).isEqualTo("Node gw-a did not answer; retry");
        assertThat(took).as("ms until the 503").isBetween(1900L, 6000L);
        // The request waited in gw-a's socket while it was stopped; it is past its deadline when gw-a reads it.
        assertThat(worker.poll(Duration.ofSeconds(2)))
                .as("a late command after the 503")
                .isNull();

        HttpResponse<String> retried = onB.command("cmd-stopped", "pause");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
    }
}
