package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code where} expressions on {@code GET /api/v1/clients} and {@code GET /api/v1/fleet/summary}, against the
 * running gateway with clients registered over real WebSockets: numbers compare as numbers, server-owned fields
 * are attributes, every expression must hold alongside {@code state}, {@code q} and paging, and bad expressions get
 * a 400 that says what is wrong.
 */
class ClientQueryIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SHAPE = "expected <attribute><op><value> with op one of ==, !=, >, >=, <, <=, ~";
    private static final List<String> FLEET = List.of("qy-a", "qy-b", "qy-c", "qy-d", "qy-e", "qy-f");

    static HttpTestClient http;
    static final List<WsTestClient> clients = new ArrayList<>();

    /**
     * Six clients over WebSocket; {@code qy-f} then disconnects (its {@code client_state} stays {@code running}).
     * The status values are JSON numbers, stored as their JSON text ({@code 90.0} stays {@code "90.0"}).
     */
    @BeforeAll
    static void registerFleet() {
        http = new HttpTestClient(gw.httpUri());
        register("qy-a", "{\"client_state\": \"running\", \"cpu_usage\": 95.5, \"zone\": \"eu west\"}");
        register("qy-b", "{\"client_state\": \"error\", \"cpu_usage\": 100}");
        register("qy-c", "{\"client_state\": \"error\", \"cpu_usage\": 9}");
        register("qy-d", "{\"client_state\": \"running\", \"cpu_usage\": 90.0}");
        register("qy-e", "{\"client_state\": \"paused\"}");
        register("qy-f", "{\"client_state\": \"running\", \"cpu_usage\": 12}");
        WsTestClient f = clients.remove(clients.size() - 1);
        f.close(1000, "bye");
        f.awaitClose();
        assertThat(ids(list("q", "qy-f", "state", "disconnected"))).containsExactly("qy-f");
    }

    @AfterAll
    static void closeClients() {
        clients.forEach(WsTestClient::close);
    }

    private static void register(String id, String status) {
        WsTestClient c = WsTestClient.connect(gw.wsUri());
        clients.add(c);
        JsonNode ack = JSON.readTree(c.request("{\"client_id\": \"" + id + "\", \"status\": " + status + "}"));
        assertThat(ack.path("result").asString()).isEqualTo("message_processed");
    }

    /** {@code name=value&...}, each percent-encoded as a form would ({@code curl --data-urlencode}). */
    private static String query(String... pairs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            b.append(i == 0 ? "" : "&")
                    .append(pairs[i])
                    .append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private static JsonNode get(String path, int expectedStatus) {
        HttpResponse<String> r = http.get(path);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    private static JsonNode list(String... pairs) {
        return get("/api/v1/clients?" + query(pairs), 200);
    }

    private static JsonNode summary(String... pairs) {
        return get("/api/v1/fleet/summary?" + query(pairs), 200);
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("clients").forEach(c -> ids.add(c.path("client_id").asString()));
        return ids;
    }

    /** The ids of our fleet matching every {@code where}. */
    private static List<String> where(String... expressions) {
        List<String> pairs = new ArrayList<>(List.of("q", "qy-"));
        for (String e : expressions) {
            pairs.add("where");
            pairs.add(e);
        }
        return ids(list(pairs.toArray(String[]::new)));
    }

    private static String field(String id, String name) {
        return get("/api/v1/clients/" + id, 200).path("fields").path(name).asString();
    }

    @Test
    void numbersCompareAsNumbersNotAsText() {
        // As text, "100" < "90" and "9" < "90": only a numeric comparison gives a and b.
        assertThat(where("cpu_usage>90")).containsExactly("qy-a", "qy-b");
        assertThat(where("cpu_usage<=12")).containsExactly("qy-c", "qy-f");
        // stored as "90.0": equal to 90 as numbers
        assertThat(field("qy-d", "cpu_usage")).isEqualTo("90.0");
        assertThat(where("cpu_usage==90")).containsExactly("qy-d");
        assertThat(where("cpu_usage!=90")).containsExactly("qy-a", "qy-b", "qy-c", "qy-e", "qy-f");
        assertThat(where("zone==eu west")).containsExactly("qy-a");
        assertThat(where("client_state~unn")).containsExactly("qy-a", "qy-d", "qy-f");
    }

    @Test
    void everyExpressionMustHoldTogetherWithStateAndQ() {
        JsonNode page = list("q", "qy-", "where", "client_state==error", "where", "cpu_usage>=50");

        assertThat(ids(page)).containsExactly("qy-b");
        assertThat(page.path("matched").asInt()).isEqualTo(1);
        // the counts stay the fleet's, whatever the filters
        assertThat(page.path("counts").path("total").asInt()).isGreaterThanOrEqualTo(FLEET.size());
        assertThat(page.path("counts").path("disconnected").asInt()).isGreaterThanOrEqualTo(1);

        assertThat(ids(list("q", "qy-", "state", "connected", "where", "client_state==running")))
                .containsExactly("qy-a", "qy-d");
        assertThat(ids(list("q", "qy-", "state", "disconnected", "where", "client_state==running")))
                .containsExactly("qy-f");
        assertThat(ids(list("q", "QY-B", "where", "client_state==error"))).containsExactly("qy-b");
    }

    @Test
    void serverOwnedFieldsAreAttributes() {
        String node = field("qy-a", "gateway_node");
        assertThat(node).isNotEmpty();

        assertThat(where("connected==true")).containsExactly("qy-a", "qy-b", "qy-c", "qy-d", "qy-e");
        assertThat(where("connected==false")).containsExactly("qy-f");
        assertThat(where("gateway_node==" + node)).containsExactlyElementsOf(FLEET);
        assertThat(where("gateway_node!=" + node)).isEmpty();
        assertThat(where("status_detail==Disconnected by client")).containsExactly("qy-f");
        assertThat(where("client_id>=qy-e")).containsExactly("qy-e", "qy-f");
    }

    @Test
    void lastSeenComparesAsATime() {
        String before = field("qy-f", "last_seen"); // disconnected: its last_seen no longer moves
        assertThat(before).startsWith("20").hasSize(32);
        String year = before.substring(0, 4);

        clients.get(2).request("{\"client_id\": \"qy-c\", \"status\": {\"cpu_usage\": 8}}");

        assertThat(where("last_seen>" + before)).contains("qy-c").doesNotContain("qy-f");
        assertThat(where("last_seen<=" + before)).contains("qy-f").doesNotContain("qy-c");
        // a prefix of the time is a coarser time: every client was seen this year
        assertThat(where("last_seen>=" + year, "last_seen<" + (Integer.parseInt(year) + 1)))
                .containsExactlyElementsOf(FLEET);
    }

    @Test
    void aFilteredListingPagesLikeAnyOther() {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 10; pages++) {
            JsonNode page = cursor == null
                    ? list("q", "qy-", "where", "client_state==running", "limit", "1")
                    : list("q", "qy-", "where", "client_state==running", "limit", "1", "cursor", cursor);
            assertThat(page.path("matched").asInt()).isEqualTo(3);
            ids.addAll(ids(page));
            if (page.path("next_cursor").isNull()) {
                break;
            }
            cursor = page.path("next_cursor").asString();
        }
        assertThat(ids).containsExactly("qy-a", "qy-d", "qy-f");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            cpu_usage>>9         | where 'cpu_usage>>9': EXPECTED (a value cannot start with =, !, <, > or ~)
            cpu_usage            | where 'cpu_usage': EXPECTED
            client_state=error   | where 'client_state=error': EXPECTED (use == to test equality)
            ==error              | where '==error': the attribute before '==' is empty; EXPECTED
            a=>1                 | where 'a=>1': EXPECTED (an attribute name cannot contain =, !, <, > or ~)
            cpu_usage > 90       | where 'cpu_usage > 90': no spaces around the attribute or the operator (they \
            would be part of the attribute's name or the value); EXPECTED
            """)
    void aBadExpressionIs400WithWhatIsWrong(String expression, String detail) {
        String expected = detail.replace("EXPECTED", SHAPE);
        assertThat(get("/api/v1/clients?" + query("where", expression), 400)
                        .path("detail")
                        .asString())
                .isEqualTo(expected);
        assertThat(get("/api/v1/fleet/summary?" + query("group_by", "client_state", "where", expression), 400)
                        .path("detail")
                        .asString())
                .isEqualTo(expected);
    }

    @Test
    void tooManyOrTooLongExpressionsAre400NamingTheLimit() {
        String seventeen = String.join("&", Collections.nCopies(17, query("where", "cpu_usage>1")));
        assertThat(get("/api/v1/clients?" + seventeen, 400).path("detail").asString())
                .isEqualTo("17 where expressions: at most 16 are allowed, and all of them must hold");
        String sixteen = String.join("&", Collections.nCopies(16, query("where", "cpu_usage>1")));
        assertThat(get("/api/v1/clients?" + sixteen, 200).path("matched").asInt())
                .isPositive();

        assertThat(get("/api/v1/clients?" + query("where", "zone==" + "x".repeat(251)), 400)
                        .path("detail")
                        .asString())
                .isEqualTo("A where expression of 257 bytes is longer than the limit of 256 bytes");
    }

    @Test
    void summaryCountsClientsPerValueLargestFirst() {
        JsonNode s = summary("group_by", "client_state", "where", "client_id~qy-");

        assertThat(s.path("group_by").asString()).isEqualTo("client_state");
        assertThat(groups(s))
                .containsExactly(
                        Map.entry("running", List.of(2, 3)),
                        Map.entry("error", List.of(2, 2)),
                        Map.entry("paused", List.of(1, 1)));
        assertThat(s.path("missing").path("total").asInt()).isZero();
        assertThat(s.path("matched").asInt()).isEqualTo(6);
        assertThat(s.path("truncated").asBoolean()).isFalse();
        assertThat(s.path("other").path("values").asInt()).isZero();
        assertThat(s.path("counts").path("total").asInt()).isGreaterThanOrEqualTo(FLEET.size());
    }

    @Test
    void summaryCountsClientsWithoutTheAttributeAsMissingAndTruncatesToTheLimit() {
        JsonNode all = summary("group_by", "cpu_usage", "where", "client_id~qy-", "where", "client_id!=qy-c");
        // one client per value, ordered by value in code-point order; qy-e has no cpu_usage
        assertThat(groups(all).keySet()).containsExactly("100", "12", "90.0", "95.5");
        assertThat(all.path("missing").path("connected").asInt()).isEqualTo(1);
        assertThat(all.path("missing").path("total").asInt()).isEqualTo(1);

        JsonNode top =
                summary("group_by", "cpu_usage", "where", "client_id~qy-", "where", "client_id!=qy-c", "limit", "2");
        assertThat(groups(top).keySet()).containsExactly("100", "12");
        assertThat(top.path("truncated").asBoolean()).isTrue();
        assertThat(top.path("other").path("values").asInt()).isEqualTo(2);
        assertThat(top.path("other").path("connected").asInt()).isEqualTo(2); // 90.0 and 95.5
        assertThat(top.path("other").path("total").asInt()).isEqualTo(2);
        assertThat(top.path("matched").asInt()).isEqualTo(5);

        JsonNode connected = summary("group_by", "connected", "where", "client_id~qy-");
        assertThat(groups(connected))
                .containsExactly(Map.entry("true", List.of(5, 5)), Map.entry("false", List.of(0, 1)));
    }

    @Test
    void summaryNeedsGroupBy() {
        assertThat(get("/api/v1/fleet/summary", 400).path("detail").asString())
                .isEqualTo("group_by is required: the attribute to count clients by, e.g. group_by=client_state");
        assertThat(get("/api/v1/fleet/summary?group_by=", 400).path("detail").asString())
                .startsWith("group_by is required");
        assertThat(get("/api/v1/fleet/summary?group_by=x&limit=1001", 400)
                        .path("detail")
                        .asString())
                .isEqualTo("limit must be an integer from 1 to 1000");
    }

    /** The groups, in order: value to [connected, total]. */
    private static Map<String, List<Integer>> groups(JsonNode summary) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (JsonNode g : summary.path("groups")) {
            groups.put(
                    g.path("value").asString(),
                    List.of(g.path("connected").asInt(), g.path("total").asInt()));
        }
        return groups;
    }
}
