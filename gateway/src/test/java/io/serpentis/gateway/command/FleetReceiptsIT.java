package io.serpentis.gateway.command;

import static io.serpentis.gateway.command.OperatorApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.RedisServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Receipts and the audit trail across a fleet of two gateway processes on one real redis-server: a command posted on
 * node B for a client held by node A is delivered and acknowledged on A, and A answers for the receipt B created.
 */
class FleetReceiptsIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    static FleetHarness fleet;
    static GatewayProcess a;
    static GatewayProcess b;
    static OperatorApi onA;
    static OperatorApi onB;

    @BeforeAll
    static void start() throws Exception {
        fleet = new FleetHarness("--redis-url", redis.url());
        a = fleet.start("gw-a");
        b = fleet.start("gw-b");
        onA = new OperatorApi(a.httpUri());
        onB = new OperatorApi(b.httpUri());
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** A client registered on {@code node}, once {@code viewer} sees it connected there. */
    static WsTestClient clientOn(GatewayProcess node, String nodeId, String id, OperatorApi viewer) {
        WsTestClient c = WsTestClient.connect(node.wsUri());
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"running\"}}"))
                .contains("message_processed");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            HttpResponse<String> r = viewer.get("/api/v1/clients/" + id);
            return r.statusCode() == 200
                    && json(r).path("connected").asBoolean()
                    && nodeId.equals(json(r).path("fields").path("gateway_node").asString());
        });
        return c;
    }

    @Test
    void aCommandPostedOnBForAClientOnAIsDeliveredAndAcknowledgedAndAAnswersForIt() {
        try (WsTestClient worker = clientOn(a, "gw-a", "fr-1", onB)) {
            CompletableFuture<HttpResponse<String>> waiting = onB.commandAsync("fr-1", "pause", "?wait=10s");
            assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
            worker.request("{\"client_id\": \"fr-1\", \"status\": {\"client_state\": \"paused\", "
                    + "\"acknowledged_command\": \"pause\"}}");
            HttpResponse<String> acked = OperatorApi.join(waiting);
            assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
            JsonNode receipt = json(acked);
            assertThat(receipt.path("state").asString()).isEqualTo("acknowledged");
            assertThat(receipt.path("node").asString())
                    .as("the node that holds the client")
                    .isEqualTo("gw-a");
            String id = receipt.path("command_id").asString();

            JsonNode onNodeA = onA.receipt(id);
            assertThat(onNodeA.path("state").asString()).isEqualTo("acknowledged");
            assertThat(onNodeA.path("requested_by").asString()).isEqualTo("loopback 127.0.0.1");
            assertThat(onNodeA.path("node").asString()).isEqualTo("gw-a");

            // B's action, in the trail as A shows it.
            JsonNode trail = json(onA.get("/api/v1/audit?client_id=fr-1"));
            assertThat(trail.path("entries")).hasSize(1);
            JsonNode entry = trail.path("entries").get(0);
            assertThat(entry.path("node").asString())
                    .as("the node that took the request")
                    .isEqualTo("gw-b");
            assertThat(entry.path("action").asString()).isEqualTo("pause");
            assertThat(entry.path("command_id").asString()).isEqualTo(id);
            assertThat(entry.path("outcome").asString()).isEqualTo("delivered");
        }
    }

    @Test
    void aDeliveryOnAIsVisibleOnBBeforeTheAcknowledgement() {
        try (WsTestClient worker = clientOn(a, "gw-a", "fr-2", onB)) {
            HttpResponse<String> r = onB.command("fr-2", "resume");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            String id = json(r).path("command_id").asString();
            assertThat(worker.next()).isEqualTo("{\"command\": \"resume\"}");
            assertThat(onA.state(id)).isEqualTo("delivered");
            assertThat(onB.state(id)).isEqualTo("delivered");
        }
    }

    @Test
    void aBulkCommandPostedOnBReachesTheMatchingClientsOnBothNodes() {
        try (WsTestClient onNodeA = clientOn(a, "gw-a", "fb-a", onB);
                WsTestClient onNodeB = clientOn(b, "gw-b", "fb-b", onB);
                WsTestClient other = clientOn(a, "gw-a", "fx-other", onB)) {
            HttpResponse<String> r = onB.postJson(
                    "/api/v1/commands", "{\"command\": \"pause\", \"where\": [\"client_id~fb-\"], \"limit\": 10}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = json(r);
            assertThat(body.path("matched").asInt()).isEqualTo(2);
            assertThat(body.path("delivered").asInt()).isEqualTo(2);
            assertThat(onNodeA.next()).isEqualTo("{\"command\": \"pause\"}");
            assertThat(onNodeB.next()).isEqualTo("{\"command\": \"pause\"}");
            for (JsonNode id : body.path("command_ids")) {
                assertThat(onA.state(id.asString())).isEqualTo("delivered");
            }
            JsonNode trail =
                    json(onA.get("/api/v1/audit?limit=1")).path("entries").get(0);
            assertThat(trail.path("action").asString()).isEqualTo("bulk_pause");
            assertThat(trail.path("node").asString()).isEqualTo("gw-b");
        }
    }
}
