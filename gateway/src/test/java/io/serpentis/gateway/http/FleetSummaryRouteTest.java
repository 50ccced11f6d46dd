package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.testing.RecordingConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The fleet summary's ordering and its bound on the groups it lists, on a real registry without a server. */
class FleetSummaryRouteTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final LocalClientRegistry registry =
            new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-a");
    private final FleetSummaryRoute route = new FleetSummaryRoute(registry, new HttpResponses(JSON));

    private void client(String id, String... pairs) {
        String[] names = new String[pairs.length / 2];
        String[] values = new String[pairs.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = pairs[2 * i];
            values[i] = pairs[2 * i + 1];
        }
        registry.apply(new RecordingConnection(id), new StatusUpdate(id, names, values));
    }

    private JsonNode get(String uri, int expectedStatus) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        HttpExchange exchange = new HttpExchange(
                req,
                decoder.path(),
                List.of(),
                decoder.parameters(),
                UnpooledByteBufAllocator.DEFAULT,
                ImmediateEventExecutor.INSTANCE);
        FullHttpResponse r = route.handle(exchange).toCompletableFuture().join();
        try {
            assertThat(r.status().code()).isEqualTo(expectedStatus);
            return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
            req.release();
        }
    }

    private static List<String> values(JsonNode summary) {
        List<String> values = new ArrayList<>();
        summary.path("groups").forEach(g -> values.add(g.path("value").asString()));
        return values;
    }

    @Test
    void listsAtMostAThousandGroupsLargestFirstAndSumsTheRestInOther() {
        for (int i = 0; i < 1005; i++) {
            client("one-" + i, "v", String.format("v%04d", i));
        }
        client("big-1", "v", "big");
        client("big-2", "v", "big");
        client("big-3", "v", "big");
        client("mid-1", "v", "mid");
        client("mid-2", "v", "mid");
        client("none-1", "other", "x");

        JsonNode s = get("/api/v1/fleet/summary?group_by=v", 200);

        List<String> expected = new ArrayList<>(List.of("big", "mid"));
        for (int i = 0; i < 998; i++) {
            expected.add(String.format("v%04d", i));
        }
        assertThat(values(s)).containsExactlyElementsOf(expected);
        assertThat(s.path("groups").get(0).path("total").asInt()).isEqualTo(3);
        assertThat(s.path("truncated").asBoolean()).isTrue();
        assertThat(s.path("other").path("values").asInt()).isEqualTo(7); // v0998 .. v1004
        assertThat(s.path("other").path("total").asInt()).isEqualTo(7);
        assertThat(s.path("missing").path("total").asInt()).isEqualTo(1);
        assertThat(s.path("matched").asInt()).isEqualTo(1011);
        assertThat(s.path("counts").path("total").asInt()).isEqualTo(1011);
    }

    @Test
    void equalTotalsOrderByCodePointAndEverythingAddsUpToMatched() {
        client("a", "v", "～"); // U+FF5E
        client("b", "v", "🐍"); // U+1F40D: after U+FF5E in code-point order, before it in UTF-16 order
        client("c", "v", "B");
        client("d", "v", "a");
        client("e", "v", "a");

        JsonNode s = get("/api/v1/fleet/summary?group_by=v&limit=3", 200);

        assertThat(values(s)).containsExactly("a", "B", "～");
        assertThat(s.path("other").path("values").asInt()).isEqualTo(1);
        int sum = s.path("missing").path("total").asInt()
                + s.path("other").path("total").asInt();
        for (JsonNode g : s.path("groups")) {
            sum += g.path("total").asInt();
        }
        assertThat(sum).isEqualTo(s.path("matched").asInt()).isEqualTo(5);
    }

    @Test
    void aBadExpressionOrNoGroupByIsABadRequest() {
        assertThat(get("/api/v1/fleet/summary?where=x", 400).path("detail").asString())
                .startsWith("group_by is required");
        assertThat(get("/api/v1/fleet/summary?group_by=v&where=x", 400)
                        .path("detail")
                        .asString())
                .startsWith("where 'x': expected <attribute><op><value>");
        assertThat(get("/api/v1/fleet/summary?group_by=" + "g".repeat(257), 400)
                        .path("detail")
                        .asString())
                .isEqualTo("group_by is longer than the limit of 256 bytes");
    }
}
