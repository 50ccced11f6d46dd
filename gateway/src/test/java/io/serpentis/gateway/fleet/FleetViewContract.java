package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.DashboardWatcher;
import io.serpentis.gateway.testing.FleetHarness;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fleet view and cross-node commands on a Redis deployment other than a standalone server (issue 13 points 1, 3
 * and 7): two gateway processes, a client on one, a dashboard and an operator on the other. Run on Redis Cluster
 * (shard channels, {@code SSUBSCRIBE}/{@code SPUBLISH}) and on Sentinel.
 */
abstract class FleetViewContract {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How every node reaches the deployment. */
    abstract String[] redisArgs();

    @Test
    void aChangeOnOneNodeShowsOnTheOthersDashboardAndItsCommandReachesTheClient() throws Exception {
        try (FleetHarness fleet = new FleetHarness(redisArgs())) {
            GatewayProcess a = fleet.start("gw-a");
            GatewayProcess b = fleet.start("gw-b");
            try (DashboardWatcher onB = DashboardWatcher.watch(b.httpUri());
                    WsTestClient worker = WsTestClient.connect(a.wsUri())) {
                assertThat(worker.request("{\"client_id\": \"far-1\", \"status\": {\"n\": 1}}"))
                        .contains("message_processed");
                onB.await(
                        "far-1",
                        f -> "gw-a".equals(f.get("gateway_node")) && "true".equals(f.get("connected")),
                        Duration.ofSeconds(15));
                long sent = System.nanoTime();
                worker.request("{\"client_id\": \"far-1\", \"status\": {\"n\": 2}}");
                long shown = onB.await("far-1", "n", "2", Duration.ofSeconds(5));
                assertThat(Duration.ofNanos(shown - sent)).isLessThan(Duration.ofSeconds(2));
                FleetViewIT.everyNodeLists(Map.of("far-1", "gw-a"), Duration.ofSeconds(5), a, b);

                HttpResponse<String> r = new HttpTestClient(b.httpUri()).command("far-1", "pause");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).path("message").asString())
                        .isEqualTo("Pause command sent to client far-1.");
                assertThat(worker.next()).isEqualTo("{\"command\": \"pause\"}");
                onB.await("far-1", "client_state", "paused", Duration.ofSeconds(5));
                assertThat(onB.problems()).isEmpty();
            }
        }
    }
}
