package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/v1/fleet/history} over HTTP against a running gateway sampling every second: samples appear,
 * oldest first and one interval apart, with the connected and disconnected counts of the clients registered over
 * real WebSockets and the rate of their acknowledged updates; the route is an admin route.
 */
class FleetHistoryIT {
    private static final String TOKEN = "history-admin-token-0123456789";

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(c ->
            c.withSecurity(s -> s.withAdminToken(TOKEN)).withFeed(f -> f.withHistoryInterval(Duration.ofSeconds(1))));

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static HttpResponse<String> get(String path, @Nullable String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.http(path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode history() throws Exception {
        HttpResponse<String> r = get("/api/v1/fleet/history", TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private static List<JsonNode> samples(JsonNode h) {
        List<JsonNode> out = new ArrayList<>();
        h.get("samples").forEach(out::add);
        return out;
    }

    @Test
    void samplesAppearWithTheFleetsCountsAndUpdateRateOldestFirst() throws Exception {
        assertThat(history().get("interval_s").asInt()).isEqualTo(1);
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (String id : List.of("hist-a", "hist-b", "hist-c")) {
                WsTestClient c = WsTestClient.connect(gw.wsUri());
                clients.add(c);
                assertThat(c.request("{\"client_id\": \"" + id + "\", \"status\": {\"n\": 0}}"))
                        .contains("message_processed");
            }
            WsTestClient gone = clients.remove(2);
            gone.close(1000, "bye");
            gone.awaitClose();
            // Two connected, one disconnected, and updates acknowledged all along.
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        clients.get(0).request("{\"client_id\": \"hist-a\", \"status\": {\"n\": 1}}");
                        List<JsonNode> s = samples(history());
                        JsonNode last = s.isEmpty() ? null : s.get(s.size() - 1);
                        return last != null
                                && last.get("connected").asInt() == 2
                                && last.get("disconnected").asInt() == 1
                                && last.get("updates_per_s").asDouble() > 0;
                    });
        } finally {
            clients.forEach(WsTestClient::close);
        }
        List<JsonNode> s = samples(history());
        Instant previous = Instant.EPOCH;
        for (JsonNode sample : s) {
            assertThat(sample.properties())
                    .extracting(e -> e.getKey())
                    .containsExactly("t", "connected", "disconnected", "updates_per_s");
            assertThat(sample.get("t").asString()).endsWith("Z");
            Instant t = Instant.parse(sample.get("t").asString());
            assertThat(t).as("oldest first").isAfter(previous);
            assertThat(t.toEpochMilli() % 1000)
                    .as("at the start of an interval")
                    .isZero();
            previous = t;
        }
    }

    @Test
    void theHistoryIsAnAdminRoute() throws Exception {
        HttpResponse<String> anonymous = get("/api/v1/fleet/history", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("\"detail\"");
        assertThat(get("/api/v1/fleet/history", "wrong-token-0123456789").statusCode())
                .isEqualTo(401);
        HttpResponse<String> admin = get("/api/v1/fleet/history", TOKEN);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.headers().firstValue("Cache-Control")).hasValue("no-store");
    }
}
