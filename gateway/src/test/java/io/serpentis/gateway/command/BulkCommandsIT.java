package io.serpentis.gateway.command;

import static io.serpentis.gateway.command.OperatorApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/commands} over real sockets: {@code bk-0..5}, connected JDK WebSocket clients, the even ones
 * in {@code client_state} {@code error}; {@code bk-gone} in error too but disconnected.
 */
class BulkCommandsIT {
    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    static final List<WsTestClient> clients = new ArrayList<>();
    static OperatorApi api;

    @BeforeAll
    static void registerClients() {
        api = new OperatorApi(gw.httpUri());
        for (int i = 0; i < 6; i++) {
            WsTestClient c = WsTestClient.connect(gw.wsUri());
            c.request("{\"client_id\": \"bk-" + i + "\", \"status\": {\"client_state\": \""
                    + (i % 2 == 0 ? "error" : "running") + "\"}}");
            clients.add(c);
        }
        try (WsTestClient gone = WsTestClient.connect(gw.wsUri())) {
            gone.request("{\"client_id\": \"bk-gone\", \"status\": {\"client_state\": \"error\"}}");
        }
    }

    @AfterAll
    static void closeClients() {
        clients.forEach(WsTestClient::abort);
    }

    private static HttpResponse<String> bulk(String body) {
        return api.postJson("/api/v1/commands", body);
    }

    @Test
    void aDryRunCountsAndPreviewsTheConnectedMatchesAndSendsNothing() throws Exception {
        HttpResponse<String> r =
                bulk("{\"command\": \"pause\", \"where\": [\"client_state==error\", \"client_id~bk-\"],"
                        + " \"limit\": 2, \"dry_run\": true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("matched").asInt()).as("bk-gone is not connected").isEqualTo(3);
        assertThat(body.path("sent").asInt()).isZero();
        assertThat(body.path("dry_run").asBoolean()).isTrue();
        assertThat(body.path("client_ids").toString()).isEqualTo("[\"bk-0\",\"bk-2\"]");
        for (WsTestClient c : clients) {
            assertThat(c.poll(Duration.ofMillis(100))).isNull();
        }
    }

    @Test
    void aRealRunSendsToTheFirstMatchesUpToTheLimitEachWithAReceiptAndAnAuditEntry() throws Exception {
        HttpResponse<String> r =
                bulk("{\"command\": \"resume\", \"where\": [\"client_state==running\"], \"limit\": 2}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("matched").asInt()).isEqualTo(3);
        assertThat(body.path("sent").asInt()).isEqualTo(2);
        assertThat(body.path("delivered").asInt()).isEqualTo(2);
        assertThat(body.path("dry_run").asBoolean()).isFalse();
        assertThat(body.path("command_ids")).hasSize(2);
        assertThat(clients.get(1).next()).isEqualTo("{\"command\": \"resume\"}");
        assertThat(clients.get(3).next()).isEqualTo("{\"command\": \"resume\"}");
        assertThat(clients.get(5).poll(Duration.ofMillis(200)))
                .as("over the limit")
                .isNull();
        for (JsonNode id : body.path("command_ids")) {
            assertThat(api.state(id.asString())).isEqualTo("delivered");
        }
        JsonNode trail = json(api.get("/api/v1/audit?limit=3")).path("entries");
        assertThat(trail.get(0).path("action").asString()).isEqualTo("bulk_resume");
        assertThat(trail.get(0).path("target").asString()).isEqualTo("where client_state==running; limit 2");
        assertThat(trail.get(0).path("outcome").asString()).isEqualTo("sent 2 of 3 matched, 2 delivered");
        assertThat(List.of(
                        trail.get(1).path("target").asString(),
                        trail.get(2).path("target").asString()))
                .containsExactlyInAnyOrder("bk-1", "bk-3");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\"command\": \"pause\"}|\"limit\" is required: an integer from 1 to 10000",
                "{\"command\": \"pause\", \"limit\": 10001}|\"limit\" is required: an integer from 1 to 10000",
                "{\"command\": \"pause\", \"limit\": 1.5}|\"limit\" is required: an integer from 1 to 10000",
                "{\"command\": \"halt\", \"limit\": 1}|\"command\" must be pause, resume or disconnect",
                "{\"command\": \"pause\", \"limit\": 1, \"dryrun\": true}|Unknown key 'dryrun'; the body takes command,"
                        + " where, limit and dry_run (nothing was sent)",
                "{\"command\": \"pause\", \"limit\": 1, \"dry_run\": \"yes\"}|\"dry_run\" must be true or false",
                "{\"command\": \"pause\", \"limit\": 1, \"where\": \"a==b\"}|\"where\" must be an array of expressions,"
                        + " e.g. [\"client_state==error\"]",
                "{\"command\": \"pause\", \"limit\": 1, \"where\": [\"cpu_usage>>9\"]}|where 'cpu_usage>>9': expected"
                        + " <attribute><op><value> with op one of ==, !=, >, >=, <, <=, ~ (a value cannot start with"
                        + " =, !, <, > or ~)",
                "{\"command\": \"pause\", \"limit\": 1, \"limit\": 2}|Duplicate key 'limit' in the body; send each key"
                        + " once (nothing was sent)",
                "[1]|The body must be a JSON object, e.g. {\"command\": \"pause\", \"where\":"
                        + " [\"client_state==error\"], \"limit\": 100, \"dry_run\": true}",
                "{|The body is not valid JSON"
            })
    void refusesABadBodyWith400AndSendsNothing(String body, String detail) throws Exception {
        HttpResponse<String> r = bulk(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("detail").asString()).isEqualTo(detail);
        for (WsTestClient c : clients) {
            assertThat(c.poll(Duration.ofMillis(20))).isNull();
        }
    }

    @Test
    void refusesABodyThatIsNotJsonWith415() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.httpUri() + "/api/v1/commands"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("command=pause&limit=1"))
                .build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(415);
    }
}
