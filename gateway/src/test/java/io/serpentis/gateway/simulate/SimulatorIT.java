package io.serpentis.gateway.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The simulated clients against a real gateway: they register and report like the original's reference client,
 * obey pause, resume and disconnect with its acknowledgements (and stay away after a disconnect), and come back
 * with backoff after the gateway restarts.
 */
class SimulatorIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private final HttpTestClient http = new HttpTestClient(gw.httpUri());

    private static SimulatorSettings settings(URI url, String prefix, int clients) {
        return new SimulatorSettings(
                url,
                clients,
                Duration.ofMillis(200),
                prefix,
                2,
                Duration.ofMillis(100),
                Duration.ofMillis(800),
                Duration.ZERO);
    }

    private Map<String, String> awaitRecord(String id, String field, String value) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> http.record(id), r -> r != null && value.equals(r.get(field)));
    }

    @Test
    void registersReportsAndObeysPauseResumeAndDisconnect() throws Exception {
        try (Simulator sim = new Simulator(settings(gw.wsUri(), "simit-", 3))) {
            sim.start();
            assertThat(sim.clientIds()).containsExactly("simit-000", "simit-001", "simit-002");
            for (String id : sim.clientIds()) {
                Map<String, String> r = awaitRecord(id, "connected", "true");
                // the reference client's initial status: state, connection time, timestamp and two readings
                assertThat(r)
                        .containsEntry("client_state", "running")
                        .containsKeys("connected_at", "timestamp", "cpu_usage", "memory_usage");
                assertThat(Double.parseDouble(r.get("cpu_usage"))).isBetween(0.0, 100.0);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.snapshot().registered() == 3);
            // periodic: the timestamp keeps moving
            String first = http.record("simit-000").get("timestamp");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !first.equals(http.record("simit-000").get("timestamp")));

            // pause: acknowledged with client_state, acknowledged_command and timestamp; then silence
            assertThat(http.command("simit-001", "pause").statusCode()).isEqualTo(200);
            Map<String, String> paused = awaitRecord("simit-001", "acknowledged_command", "pause");
            assertThat(paused).containsEntry("client_state", "paused");
            // five intervals: a running client would have sent five updates
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> paused.get("timestamp")
                            .equals(http.record("simit-001").get("timestamp")));
            assertThat(sim.snapshot().paused()).isEqualTo(1);

            // resume: acknowledged likewise, and the updates come again
            assertThat(http.command("simit-001", "resume").statusCode()).isEqualTo(200);
            Map<String, String> resumed = awaitRecord("simit-001", "acknowledged_command", "resume");
            assertThat(resumed).containsEntry("client_state", "running");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !resumed.get("timestamp")
                            .equals(http.record("simit-001").get("timestamp")));

            // disconnect: acknowledged, closed by the client within the grace, and no reconnect
            assertThat(http.command("simit-002", "disconnect").statusCode()).isEqualTo(200);
            Map<String, String> gone = awaitRecord("simit-002", "connected", "false");
            assertThat(gone)
                    .containsEntry("status_detail", "Disconnected by server")
                    .containsEntry("acknowledged_command", "disconnect")
                    .containsEntry("client_state", "offline");
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.isStopped("simit-002"));
            // longer than the largest reconnect delay: it stays away
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(4))
                    .untilAsserted(() -> assertThat(http.record("simit-002"))
                            .containsEntry("connected", "false")
                            .containsEntry("connect_time", gone.get("connect_time")));
            assertThat(sim.snapshot().errors()).isZero();
            assertThat(sim.snapshot().commands()).isEqualTo(3);
        }
        // closing the simulator closes its connections cleanly
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "false".equals(http.record("simit-000").get("connected")));
        assertThat(http.record("simit-000")).containsEntry("status_detail", "Disconnected by client");
    }

    @Test
    void reconnectsWithBackoffWhenTheGatewayComesBack() throws Exception {
        int port = ExternalTools.freePort();
        GatewayServer first =
                new GatewayServer(GatewayServerExtension.testDefaults().withServer(s -> s.withPort(port))).start();
        URI url = first.wsUri();
        GatewayServer second = null;
        try (Simulator sim = new Simulator(settings(url, "again-", 2))) {
            sim.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.snapshot().registered() == 2);
            first.close(); // close 1001 to every client: they reconnect, with backoff, until a gateway answers
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.snapshot().registered() == 0);
            second = new GatewayServer(GatewayServerExtension.testDefaults().withServer(s -> s.withPort(port))).start();
            GatewayServer restarted = second;
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> restarted.registry().connectedCount() == 2);
            assertThat(restarted.registry().find("again-000")).isNotNull();
            assertThat(sim.snapshot().reconnects()).isGreaterThanOrEqualTo(2);
            assertThat(sim.snapshot().stopped()).isZero();
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
