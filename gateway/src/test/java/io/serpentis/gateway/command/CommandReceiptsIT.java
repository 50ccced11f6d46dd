package io.serpentis.gateway.command;

import static io.serpentis.gateway.command.OperatorApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Command receipts on one gateway (embedded store), over real sockets: a JDK WebSocket client receives the command
 * and acknowledges it as the original's reference client does; the receipt follows.
 */
class CommandReceiptsIT {
    /** Short, so that a test can watch a delivery time out. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    static final GatewayServerExtension gw =
            new GatewayServerExtension(c -> c.withOperations(o -> o.withAckTimeout(ACK_TIMEOUT)));

    static OperatorApi api;
    static String nodeId;

    @BeforeAll
    static void client() {
        api = new OperatorApi(gw.httpUri());
        nodeId = gw.server().registry().nodeId();
    }

    private static WsTestClient register(String id) {
        WsTestClient c = WsTestClient.connect(gw.wsUri());
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"running\"}}"))
                .contains("message_processed");
        return c;
    }

    private static void acknowledge(WsTestClient c, String id, String value) {
        assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"client_state\": \"paused\", "
                        + "\"acknowledged_command\": \"" + value + "\", \"timestamp\": \"2026-11-28T17:47:02Z\"}}"))
                .contains("message_processed");
    }

    @Test
    void aReceiptGoesFromSentThroughDeliveredToAcknowledgedWhenTheClientAcknowledges() {
        try (WsTestClient worker = register("rc-ack")) {
            HttpResponse<String> r = api.command("rc-ack", "pause");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            JsonNode body = json(r);
            // Every key of the answer before receipts, then the receipt's.
            assertThat(body.propertyNames())
                    .containsExactly(
                            "command_id",
                            "command",
                            "client_id",
                            "status",
                            "state",
                            "reason",
                            "node",
                            "requested_by",
                            "created",
                            "updated");
            assertThat(body.path("status").asString()).isEqualTo("sent");
            assertThat(body.path("state").asString()).isEqualTo("delivered");
            assertThat(body.path("node").asString()).isEqualTo(nodeId);
            assertThat(body.path("requested_by").asString()).isEqualTo("loopback 127.0.0.1");
            assertThat(body.path("created").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            String id = body.path("command_id").asString();
            // The frame on the wire stays the original's.
            assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
            assertThat(api.state(id)).isEqualTo("delivered");

            acknowledge(worker, "rc-ack", "pause");
            await().atMost(Duration.ofSeconds(5)).until(() -> api.state(id).equals("acknowledged"));
            JsonNode receipt = api.receipt(id);
            assertThat(receipt.path("client_id").asString()).isEqualTo("rc-ack");
            assertThat(receipt.path("command").asString()).isEqualTo("pause");
        }
    }

    @Test
    void aClientMayAcknowledgeByTheCommandId() {
        try (WsTestClient worker = register("rc-by-id")) {
            String id =
                    json(api.command("rc-by-id", "resume")).path("command_id").asString();
            assertThat(worker.next()).isEqualTo("{\"command\": \"resume\"}");
            acknowledge(worker, "rc-by-id", "something else");
            assertThat(api.state(id)).isEqualTo("delivered");
            acknowledge(worker, "rc-by-id", id);
            await().atMost(Duration.ofSeconds(5)).until(() -> api.state(id).equals("acknowledged"));
        }
    }

    @Test
    void aCommandForAnUnknownOrOfflineClientFailsAsNotConnected() {
        HttpResponse<String> unknown = api.command("rc-nobody", "pause");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("detail").asString()).isEqualTo("Client rc-nobody not found.");
        assertThat(api.state(json(unknown).path("command_id").asString())).isEqualTo("failed/not_connected");

        WsTestClient gone = register("rc-offline");
        gone.close();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !gw.registry().find("rc-offline").connected());
        HttpResponse<String> offline = api.command("rc-offline", "pause");
        assertThat(offline.statusCode()).isEqualTo(409);
        assertThat(json(offline).path("detail").asString()).isEqualTo("Client rc-offline is not connected.");
        assertThat(api.state(json(offline).path("command_id").asString())).isEqualTo("failed/not_connected");
    }

    @Test
    void aDeliveryNotAcknowledgedInTimeFailsAsTimedOut() {
        try (WsTestClient worker = register("rc-silent")) {
            String id =
                    json(api.command("rc-silent", "pause")).path("command_id").asString();
            assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
            await().atMost(ACK_TIMEOUT.multipliedBy(5))
                    .until(() -> api.state(id).equals("failed/timed_out"));
            acknowledge(worker, "rc-silent", "pause");
            assertThat(api.state(id)).as("too late").isEqualTo("failed/timed_out");
        }
    }

    @Test
    void aConnectionThatEndsBeforeItsAcknowledgementFailsTheReceiptAsConnectionClosed() {
        WsTestClient worker = register("rc-closed");
        String id = json(api.command("rc-closed", "pause")).path("command_id").asString();
        assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
        worker.abort();
        await().atMost(Duration.ofSeconds(5)).until(() -> api.state(id).equals("failed/connection_closed"));
    }

    @Test
    void waitAnswers200OnceAcknowledgedAnd202WhileStillPending() {
        try (WsTestClient worker = register("rc-wait")) {
            CompletableFuture<HttpResponse<String>> waiting = api.commandAsync("rc-wait", "pause", "?wait=10s");
            assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
            acknowledge(worker, "rc-wait", "pause");
            HttpResponse<String> acked = OperatorApi.join(waiting);
            assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
            assertThat(json(acked).path("state").asString()).isEqualTo("acknowledged");

            HttpResponse<String> pending = OperatorApi.join(api.commandAsync("rc-wait", "resume", "?wait=200ms"));
            assertThat(pending.statusCode()).as(pending.body()).isEqualTo(202);
            assertThat(json(pending).path("state").asString()).isEqualTo("delivered");
            assertThat(worker.next()).isEqualTo("{\"command\": \"resume\"}");
        }
        HttpResponse<String> failed = OperatorApi.join(api.commandAsync("rc-nobody-2", "pause", "?wait=2s"));
        assertThat(failed.statusCode()).as("failed is final").isEqualTo(200);
        assertThat(json(failed).path("reason").asString()).isEqualTo("not_connected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "31s", "-1s", "1h"})
    void aBadWaitIsRefusedWith400(String wait) {
        HttpResponse<String> r = OperatorApi.join(api.commandAsync("rc-any", "pause", "?wait=" + wait));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("detail").asString())
                .isEqualTo("wait must be a duration from 0s to 30s, such as 2s or 500ms");
    }

    @Test
    void anUnknownCommandIdIs404() {
        HttpResponse<String> r = api.get("/api/v1/commands/no-such-command");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).path("detail").asString()).startsWith("Command no-such-command not found");
    }

    @Test
    void theLegacyRoutesKeepTheirExactAnswers() {
        HttpTestClient legacy = new HttpTestClient(gw.httpUri());
        try (WsTestClient worker = register("rc-legacy")) {
            HttpResponse<String> paused = legacy.command("rc-legacy", "pause");
            assertThat(paused.statusCode()).isEqualTo(200);
            assertThat(paused.body()).isEqualTo("{\"message\":\"Pause command sent to client rc-legacy.\"}");
            assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
        }
        HttpResponse<String> missing = legacy.command("rc-legacy-none", "resume");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"detail\":\"Client rc-legacy-none not found or not connected.\"}");
    }
}
