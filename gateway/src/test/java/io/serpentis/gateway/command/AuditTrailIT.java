package io.serpentis.gateway.command;

import static io.serpentis.gateway.command.OperatorApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The audit trail over real sockets, in memory and on Redis: every command (legacy routes too) recorded once,
 * paged newest first with a cursor and a client filter.
 */
class AuditTrailIT {

    /** Sends commands to {@code prefix-0..2} (0 connected), legacy and v1, and checks what the trail shows. */
    static void recordsEveryCommandOnceAndPagesNewestFirst(GatewayServer gw, String prefix) {
        OperatorApi api = new OperatorApi(gw.httpUri());
        HttpTestClient legacy = new HttpTestClient(gw.httpUri());
        List<String> targets = new ArrayList<>();
        try (WsTestClient worker = WsTestClient.connect(gw.wsUri())) {
            worker.request("{\"client_id\": \"" + prefix + "-0\", \"status\": {}}");
            assertThat(legacy.command(prefix + "-0", "pause").statusCode()).isEqualTo(200);
            targets.add(prefix + "-0");
            assertThat(api.command(prefix + "-1", "resume").statusCode()).isEqualTo(404);
            targets.add(prefix + "-1");
            assertThat(api.command(prefix + "-0", "resume").statusCode()).isEqualTo(202);
            targets.add(prefix + "-0");
            assertThat(legacy.command(prefix + "-2", "disconnect").statusCode()).isEqualTo(404);
            targets.add(prefix + "-2");
        }
        JsonNode newest = json(api.get("/api/v1/audit?limit=4"));
        List<String> seen = new ArrayList<>();
        newest.path("entries").forEach(e -> seen.add(e.path("target").asString()));
        assertThat(seen).containsExactly(targets.get(3), targets.get(2), targets.get(1), targets.get(0));
        JsonNode legacyPause = newest.path("entries").get(3);
        assertThat(legacyPause.path("action").asString()).isEqualTo("pause");
        assertThat(legacyPause.path("actor").asString()).isEqualTo("loopback 127.0.0.1");
        assertThat(legacyPause.path("outcome").asString()).isEqualTo("delivered");
        assertThat(legacyPause.path("node").asString()).isEqualTo(gw.registry().nodeId());
        // A legacy command has its receipt too, found through the trail: its client left without acknowledging.
        assertThat(api.state(legacyPause.path("command_id").asString())).isEqualTo("failed/connection_closed");
        assertThat(newest.path("entries").get(2).path("outcome").asString()).isEqualTo("failed: not_connected");

        // Page by page with the cursor: the same entries, in the same order.
        JsonNode first = json(api.get("/api/v1/audit?limit=3"));
        assertThat(first.path("entries")).hasSize(3);
        String cursor = first.path("next_cursor").asString();
        assertThat(cursor).isEqualTo(first.path("entries").get(2).path("id").asString());
        JsonNode second = json(api.get("/api/v1/audit?limit=3&cursor=" + cursor));
        assertThat(second.path("entries").get(0).path("target").asString()).isEqualTo(targets.get(0));

        // One client's entries only.
        JsonNode mine = json(api.get("/api/v1/audit?client_id=" + prefix + "-0"));
        assertThat(mine.path("entries")).hasSize(2);
        mine.path("entries")
                .forEach(e -> assertThat(e.path("target").asString()).isEqualTo(prefix + "-0"));
        assertThat(mine.path("entries").get(0).path("action").asString()).isEqualTo("resume");
    }

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    @Test
    void recordsEveryCommandOnceAndPagesNewestFirst() {
        recordsEveryCommandOnceAndPagesNewestFirst(gw.server(), "au-mem");
    }

    @ParameterizedTest
    @ValueSource(strings = {"limit=0", "limit=501", "limit=x", "cursor=abc", "cursor=1-2-3"})
    void refusesABadQueryWith400(String query) {
        HttpResponse<String> r = new OperatorApi(gw.httpUri()).get("/api/v1/audit?" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("detail").asString()).isNotEmpty();
    }
}
