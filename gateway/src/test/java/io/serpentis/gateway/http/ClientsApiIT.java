package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RecordingConnection;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /api/v1/clients}: paging, filters, one client, and commands, against the running gateway. */
class ClientsApiIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    static final int FLEET = 250;
    static HttpTestClient http;

    /** {@code pg-000} .. {@code pg-249}; every tenth one disconnected. */
    @BeforeAll
    static void registerFleet() {
        http = new HttpTestClient(gw.httpUri());
        for (int i = 0; i < FLEET; i++) {
            String id = String.format("pg-%03d", i);
            RecordingConnection conn = new RecordingConnection(id);
            gw.registry().apply(conn, new StatusUpdate(id, new String[] {"n"}, new String[] {Integer.toString(i)}));
            if (i % 10 == 0) {
                gw.registry().release(conn, id, DisconnectReason.CLIENT);
            }
        }
    }

    private static JsonNode getJson(String pathAndQuery, int expectedStatus) {
        HttpResponse<String> r = http.get(pathAndQuery);
        assertThat(r.statusCode()).as(pathAndQuery + " " + r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    /** Follows next_cursor through every page and returns the ids in the order listed. */
    private static List<String> allPages(String query) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 100; pages++) {
            JsonNode page = getJson("/api/v1/clients?" + query + (cursor == null ? "" : "&cursor=" + cursor), 200);
            page.path("clients").forEach(c -> ids.add(c.path("client_id").asString()));
            if (page.path("next_cursor").isNull()) {
                return ids;
            }
            cursor = page.path("next_cursor").asString();
        }
        throw new AssertionError("more than 100 pages");
    }

    private static List<String> fleetIds(IntPredicate which) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < FLEET; i++) {
            if (which.test(i)) {
                ids.add(String.format("pg-%03d", i));
            }
        }
        return ids;
    }

    @Test
    void pagesListEveryClientOnceInIdOrder() {
        JsonNode first = getJson("/api/v1/clients?q=pg-&limit=100", 200);
        assertThat(first.path("clients").size()).isEqualTo(100);
        assertThat(first.path("matched").asInt()).isEqualTo(FLEET);
        assertThat(first.path("next_cursor").isString()).isTrue();

        assertThat(allPages("q=pg-&limit=100")).containsExactlyElementsOf(fleetIds(i -> true));
        assertThat(allPages("q=pg-&limit=7")).containsExactlyElementsOf(fleetIds(i -> true));
    }

    @Test
    void theDefaultPageHoldsAHundredAndTheCountsCoverTheWholeFleet() {
        JsonNode page = getJson("/api/v1/clients", 200);

        assertThat(page.path("clients").size()).isEqualTo(100);
        JsonNode counts = page.path("counts");
        assertThat(counts.path("total").asInt()).isGreaterThanOrEqualTo(FLEET);
        assertThat(counts.path("connected").asInt()
                        + counts.path("disconnected").asInt())
                .isEqualTo(counts.path("total").asInt());
    }

    @Test
    void filtersByStateAndByACaseInsensitiveIdSubstring() {
        assertThat(allPages("q=PG-&state=disconnected")).containsExactlyElementsOf(fleetIds(i -> i % 10 == 0));
        assertThat(allPages("q=pg-&state=connected&limit=1000")).containsExactlyElementsOf(fleetIds(i -> i % 10 != 0));
        assertThat(allPages("q=pg-24"))
                .containsExactly(
                        "pg-240", "pg-241", "pg-242", "pg-243", "pg-244", "pg-245", "pg-246", "pg-247", "pg-248",
                        "pg-249");
        assertThat(getJson("/api/v1/clients?q=no-such-client", 200)
                        .path("clients")
                        .size())
                .isZero();
    }

    @Test
    void aClientIsShownWithEveryField() {
        JsonNode c = getJson("/api/v1/clients?q=pg-010", 200).path("clients").get(0);

        assertThat(c.path("client_id").asString()).isEqualTo("pg-010");
        assertThat(c.path("connected").asBoolean()).isFalse();
        assertThat(c.path("fields").path("n").asString()).isEqualTo("10");
        assertThat(c.path("fields").path("status_detail").asString()).isEqualTo("Disconnected by client");
    }

    @ParameterizedTest
    @ValueSource(strings = {"limit=0", "limit=1001", "limit=ten", "state=gone", "cursor=%21%21%21"})
    void badParametersAre400WithADetail(String query) {
        JsonNode body = getJson("/api/v1/clients?" + query, 400);
        assertThat(body.path("detail").asString()).isNotBlank();
    }

    @Test
    void oneClientIsFoundByItsPercentEncodedId() {
        String id = "api one/ü";
        gw.registry().apply(new RecordingConnection(), new StatusUpdate(id, new String[] {"k"}, new String[] {"v"}));

        JsonNode c = getJson("/api/v1/clients/" + HttpTestClient.segment(id), 200);

        assertThat(c.path("client_id").asString()).isEqualTo(id);
        assertThat(c.path("connected").asBoolean()).isTrue();
        assertThat(c.path("fields").path("k").asString()).isEqualTo("v");
        assertThat(getJson("/api/v1/clients/never-seen", 404).path("detail").asString())
                .isEqualTo("Client never-seen not found.");
    }

    private static HttpResponse<String> command(String id, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create(gw.httpUri() + "/api/v1/clients/" + HttpTestClient.segment(id) + "/commands"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCommandReachesTheClientAndIsAnsweredWithACommandId() throws Exception {
        try (WsTestClient client = WsTestClient.connect(gw.wsUri())) {
            client.request("{\"client_id\": \"api-cmd\", \"status\": {\"client_state\": \"running\"}}");

            HttpResponse<String> r = command("api-cmd", "application/json", "{\"command\": \"pause\"}");

            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("command").asString()).isEqualTo("pause");
            assertThat(body.path("client_id").asString()).isEqualTo("api-cmd");
            assertThat(body.path("status").asString()).isEqualTo("sent");
            assertThat(body.path("command_id").asString()).matches("[0-9a-f-]{36}");
            // The client receives exactly the original's command frame.
            assertThat(client.next()).isEqualTo("{\"command\": \"pause\"}");

            HttpResponse<String> again =
                    command("api-cmd", "application/json; charset=utf-8", "{\"command\": \"resume\"}");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(JSON.readTree(again.body()).path("command_id").asString())
                    .isNotEqualTo(body.path("command_id").asString());
            assertThat(client.next()).isEqualTo("{\"command\": \"resume\"}");
        }
    }

    @Test
    void aBodyThatRepeatsAKeyIsRefusedAndSendsNothing() throws Exception {
        try (WsTestClient client = WsTestClient.connect(gw.wsUri())) {
            client.request("{\"client_id\": \"api-dup\", \"status\": {\"client_state\": \"running\"}}");

            // A proxy reading the first copy would see "disconnect"; Jackson's default keeps the last.
            HttpResponse<String> repeated =
                    command("api-dup", "application/json", "{\"command\": \"disconnect\", \"command\": \"pause\"}");
            HttpResponse<String> nested = command(
                    "api-dup",
                    "application/json",
                    "{\"command\": \"pause\", \"note\": {\"by\": \"a\", \"by\": \"b\"}}");

            assertThat(repeated.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(repeated.body()).path("detail").asString())
                    .isEqualTo("Duplicate key 'command' in the body; send each key once (nothing was sent)");
            assertThat(nested.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(nested.body()).path("detail").asString()).startsWith("Duplicate key 'by' ");
            // Frames arrive in order: the first the client gets is the one accepted command that follows.
            assertThat(command("api-dup", "application/json", "{\"command\": \"resume\"}")
                            .statusCode())
                    .isEqualTo(202);
            assertThat(client.next()).isEqualTo("{\"command\": \"resume\"}");
        }
    }

    @Test
    void commandsAreRefusedWithTheDocumentedStatuses() throws Exception {
        assertThat(command("api-nobody", "application/json", "{\"command\": \"pause\"}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(command("pg-010", "application/json", "{\"command\": \"pause\"}")
                        .statusCode())
                .isEqualTo(409);
        assertThat(command("pg-011", "text/plain", "{\"command\": \"pause\"}").statusCode())
                .isEqualTo(415);
        assertThat(command("pg-011", null, "{\"command\": \"pause\"}").statusCode())
                .isEqualTo(415);
        assertThat(command("pg-011", "application/json", "{\"command\": \"explode\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(command("pg-011", "application/json", "[\"pause\"]").statusCode())
                .isEqualTo(400);
        assertThat(command("pg-011", "application/json", "{\"command\": ").statusCode())
                .isEqualTo(400);
    }

    @Test
    void aForeignPageCannotUseTheApi() throws Exception {
        HttpResponse<String> list = HTTP.send(
                HttpRequest.newBuilder(URI.create(gw.httpUri() + "/api/v1/clients"))
                        .header("Origin", "https://evil.example")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> post = HTTP.send(
                HttpRequest.newBuilder(URI.create(gw.httpUri() + "/api/v1/clients/pg-011/commands"))
                        .header("Origin", "https://evil.example")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"disconnect\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(list.statusCode()).isEqualTo(403);
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(gw.registry().find("pg-011").snapshot().connected()).isTrue();
    }

    @Test
    void statusesKeepsTheOriginalsShape() {
        JsonNode statuses = http.statuses();

        assertThat(new TreeSet<>(List.of(statuses.propertyNames().toArray(String[]::new))))
                .containsExactly("clients", "data_source", "redis_status");
        Map<String, String> record = HttpTestClient.record(statuses, "pg-005");
        assertThat(record).containsEntry("n", "5").containsEntry("connected", "true");
    }
}
