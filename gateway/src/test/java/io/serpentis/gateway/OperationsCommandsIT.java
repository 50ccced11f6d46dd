package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayProcess;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.WsTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The jar's operational commands as an operator (or a container) runs them: {@code simulate}, {@code healthcheck},
 * and the gateway's log formats, readable and JSON, with the connection ids on lines about a connection.
 */
class OperationsCommandsIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ExternalTools.Result jar(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "serpentis-gateway.jar").toString()));
        cmd.addAll(List.of(args));
        return ExternalTools.run(Path.of("."), null, cmd);
    }

    @Test
    void simulateRunsReferenceClientsAgainstAGatewayForTheGivenDuration() {
        ExternalTools.Result r = jar(
                "simulate",
                "--url",
                gw.wsUri().toString(),
                "--clients",
                "3",
                "--interval",
                "200ms",
                "--duration",
                "3s",
                "--id-prefix",
                "proc-sim-",
                "--report-interval",
                "1s");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("Simulating 3 clients").contains("3 clients: 3 registered");
        for (String id : List.of("proc-sim-000", "proc-sim-001", "proc-sim-002")) {
            assertThat(gw.registry().find(id)).as(id).isNotNull();
            assertThat(gw.registry().find(id).snapshot().get("cpu_usage")).isNotNull();
        }
    }

    @Test
    void simulateRefusesABadSettingWithAMessageNamingIt() {
        ExternalTools.Result r = jar("simulate", "--clients", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("clients");
    }

    @Test
    void healthcheckExitsZeroOnlyWhenLivezAnswers() {
        ExternalTools.Result up = jar("healthcheck", "--url", gw.httpUri() + "/livez");
        assertThat(up.exitCode()).as(up.output()).isZero();
        ExternalTools.Result down = jar(
                "healthcheck", "--url", "http://127.0.0.1:" + ExternalTools.freePort() + "/livez", "--timeout", "2s");
        assertThat(down.exitCode()).isEqualTo(1);
    }

    @Test
    void jsonLogsAreOneObjectPerLineAndCarryTheConnectionIds() throws Exception {
        try (GatewayProcess p = GatewayProcess.start("--host", "127.0.0.1", "--port", "0", "--log-format", "json")) {
            try (WsTestClient c = WsTestClient.connect(p.wsUri())) {
                assertThat(c.request("{\"client_id\": \"json-1\"}")).contains("message_processed");
                assertThat(c.request("not json")).contains("Invalid JSON format");
            }
            String refused = await().atMost(Duration.ofSeconds(20))
                    .until(
                            () -> p.output().stream()
                                    .filter(l -> l.contains("refused a message"))
                                    .findFirst()
                                    .orElse(null),
                            l -> l != null);
            JsonNode line = JSON.readTree(refused);
            assertThat(line.path("level").asString()).isEqualTo("INFO");
            assertThat(line.path("client_id").asString()).isEqualTo("json-1");
            assertThat(line.path("channel_id").asString()).matches("[0-9a-f]{8}");
            assertThat(line.path("message").asString()).startsWith("refused a message (Invalid JSON format)");
            assertThat(line.has("@timestamp")).isTrue();
            assertThat(line.has("logger_name")).isTrue();
            for (String l : p.output()) {
                assertThat(JSON.readTree(l).isObject()).as(l).isTrue(); // every line, start-up included
            }
            assertThat(p.output()).anyMatch(l -> l.contains("Effective configuration"));
        }
    }

    @Test
    void readableLogsStartConnectionLinesWithTheChannelAndClientIds() throws Exception {
        try (GatewayProcess p = GatewayProcess.start("--host", "127.0.0.1", "--port", "0")) {
            try (WsTestClient c = WsTestClient.connect(p.wsUri())) {
                assertThat(c.request("{\"client_id\": \"text-1\"}")).contains("message_processed");
                assertThat(c.request("[]")).contains("must be a JSON object");
            }
            String refused = await().atMost(Duration.ofSeconds(20))
                    .until(
                            () -> p.output().stream()
                                    .filter(l -> l.contains("refused a message"))
                                    .findFirst()
                                    .orElse(null),
                            l -> l != null);
            assertThat(refused).matches(".* INFO .* - \\[[0-9a-f]{8} text-1] refused a message \\(.*");
            assertThat(p.output()).noneMatch(l -> l.startsWith("{"));
        }
    }
}
