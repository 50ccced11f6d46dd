package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import io.serpentis.gateway.testing.RawWsClient;
import io.serpentis.gateway.testing.WsTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The exposition and the repository's {@code prometheus.yml} as Prometheus itself sees them: {@code promtool}
 * lints a scrape taken after every kind of traffic and checks the config, and a real Prometheus process on
 * loopback, configured from {@code prometheus.yml} with the target rewritten to the test gateway, scrapes it and
 * reports it up with a counter that moved, and evaluates every rule of {@code prometheus-rules.yml} without error
 * on it (their logic is unit-tested by {@link PrometheusRulesIT}). Needs Debian's {@code prometheus} package
 * (skipped without it, a failure under {@code CI=true}).
 */
class PrometheusIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension();

    private static final String TOKEN = "prometheus-admin-token-0123456789";

    /** A gateway with an admin token: its main port's {@code /metrics} needs the token. */
    @RegisterExtension
    static final GatewayServerExtension withToken =
            new GatewayServerExtension(c -> c.withSecurity(s -> s.withAdminToken(TOKEN)));

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Traffic that makes every lazily created series appear: refusals, closes, a takeover, a command. */
    private static void varietyOfTraffic() throws Exception {
        try (WsTestClient a = WsTestClient.connect(gw.wsUri());
                WsTestClient b = WsTestClient.connect(gw.wsUri())) {
            a.request("not json");
            a.request("{\"client_id\": \"prom-1\", \"status\": {\"cpu_usage\": 1.5}}");
            b.request("{\"client_id\": \"prom-1\"}"); // takeover: a gets 4001
            new HttpTestClient(gw.httpUri()).command("prom-1", "pause");
            b.next();
            b.close(1000, "");
            b.awaitClose();
        }
        try (RawWsClient raw = RawWsClient.connect(gw.wsUri())) {
            raw.send(RawWsClient.BINARY, new byte[] {1, 2}); // close 1003
            raw.readUntil(RawWsClient.CLOSE);
        }
    }

    @Test
    void theScrapedExpositionPassesPromtoolCheckMetrics() throws Exception {
        String promtool = ExternalTools.require("promtool", "prometheus");
        varietyOfTraffic();
        String exposition = new HttpTestClient(gw.httpUri()).get("/metrics").body();
        assertThat(exposition).contains("gateway_ws_close_frames_total{code=\"4001\",initiator=\"gateway\"}");
        ExternalTools.Result r = ExternalTools.run(Path.of("."), exposition, List.of(promtool, "check", "metrics"));
        assertThat(r.output()).as("promtool check metrics").isEmpty();
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void theRepositoryPrometheusConfigPassesPromtoolCheckConfig() {
        String promtool = ExternalTools.require("promtool", "prometheus");
        ExternalTools.Result r = ExternalTools.run(
                ExternalTools.repoRoot(), null, List.of(promtool, "check", "config", "prometheus.yml"));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    /** What a test does with a running Prometheus, given its API's base URI. */
    private interface WithPrometheus {
        void accept(URI api) throws Exception;
    }

    /** Runs a real Prometheus on loopback with {@code config} until {@code test} returns. */
    private static void withPrometheus(Path dir, ObjectNode config, WithPrometheus test) throws Exception {
        String prometheus = ExternalTools.require("prometheus", "prometheus");
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, YAMLMapper.builder().build().writeValueAsString(config));
        int port = ExternalTools.freePort();
        Process p = new ProcessBuilder(
                        prometheus,
                        "--config.file=" + file,
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        try {
            URI api = URI.create("http://127.0.0.1:" + port);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(get(api.resolve("/-/ready")).statusCode())
                            .isEqualTo(200));
            test.accept(api);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("Prometheus log:\n" + Files.readString(dir.resolve("prometheus.log")), e);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aRealPrometheusScrapesTheGatewayWithTheRepositorySettings() throws Exception {
        Path dir = Files.createTempDirectory("prometheus-it");
        withPrometheus(dir, testConfig(ExternalTools.repoRoot().resolve("prometheus.yml"), gw.httpUri()), api -> {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> query(api, "up{job=\"serpentis-gateway\"}"), v -> v != null && v == 1.0);
            Double before = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> query(api, "gateway_ws_connections_opened_total"), v -> v != null);

            for (int i = 0; i < 2; i++) {
                try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                    c.request("{\"client_id\": \"scraped-" + i + "\"}");
                }
            }
            // the counter Prometheus stored moved by the two connections (a later scrape picks them up)
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> query(api, "gateway_ws_connections_opened_total"), v -> v != null && v >= before + 2);
            assertThat(query(api, "up{job=\"serpentis-gateway\",service=\"serpentis\"}"))
                    .isEqualTo(1.0);

            // prometheus-rules.yml is loaded and every rule evaluates without error on the real exposition; a
            // recording rule follows the gateway
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(ruleHealth(api))
                            .isNotEmpty()
                            .allSatisfy((rule, health) ->
                                    assertThat(health).as(rule).isEqualTo("ok")));
            assertThat(ruleHealth(api))
                    .containsKeys(
                            "GatewayDown", "GatewayManyClientsDisconnecting", "job:gateway_ws_connections_open:sum");
            try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                c.request("{\"client_id\": \"scraped-open\"}");
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .until(
                                () -> query(api, "job:gateway_ws_connections_open:sum{job=\"serpentis-gateway\"}"),
                                v -> v != null && v >= 1);
            }
        });
    }

    /** Every rule Prometheus loaded, by name, with its health ({@code ok} once it evaluated without error). */
    private static Map<String, String> ruleHealth(URI api) throws IOException, InterruptedException {
        HttpResponse<String> r = get(api.resolve("/api/v1/rules"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asString()).as(r.body()).isEqualTo("success");
        Map<String, String> health = new TreeMap<>();
        for (JsonNode group : body.path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String error = rule.path("lastError").asString("");
                health.put(
                        rule.path("name").asString(),
                        rule.path("health").asString() + (error.isEmpty() ? "" : ": " + error));
            }
        }
        return health;
    }

    /**
     * With an admin token, the main port's {@code /metrics} is scraped with the {@code authorization} setting that
     * {@code prometheus.yml} shows (commented out) and the token in a file; a job without it is refused (down).
     */
    @Test
    void aRealPrometheusScrapesAGatewayWithAnAdminTokenThroughItsAuthorizationSetting() throws Exception {
        assertThat(Files.readString(ExternalTools.repoRoot().resolve("prometheus.yml")))
                .contains("# authorization:", "#   type: Bearer", "#   credentials_file: ");
        Path dir = Files.createTempDirectory("prometheus-token-it");
        Path tokenFile = Files.writeString(dir.resolve("admin-token"), TOKEN + "\n");
        ObjectNode config = testConfig(ExternalTools.repoRoot().resolve("prometheus.yml"), withToken.httpUri());
        ArrayNode jobs = (ArrayNode) config.get("scrape_configs");
        ObjectNode gateway = (ObjectNode) jobs.get(0);
        assertThat(gateway.path("job_name").asString()).isEqualTo("serpentis-gateway");
        ObjectNode anonymous = gateway.deepCopy();
        anonymous.put("job_name", "serpentis-gateway-anonymous");
        jobs.add(anonymous);
        gateway.putObject("authorization").put("type", "Bearer").put("credentials_file", tokenFile.toString());

        withPrometheus(dir, config, api -> {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> query(api, "up{job=\"serpentis-gateway\"}"), v -> v != null && v == 1.0);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> query(api, "up{job=\"serpentis-gateway-anonymous\"}"), v -> v != null);
            assertThat(query(api, "up{job=\"serpentis-gateway-anonymous\"}"))
                    .as("a scrape without the token")
                    .isEqualTo(0.0);
            // the refused scrapes are counted, as the authorized job then reads
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> query(
                                    api,
                                    "gateway_security_refusals_total{job=\"serpentis-gateway\",reason=\"admin_auth\"}"),
                            v -> v != null && v > 0);
        });
    }

    /**
     * The repository's config with the gateway job's targets pointed at {@code target}, a 1 s scrape interval and
     * a 1 s rule evaluation interval; everything else (job name, metrics path, scheme, labels, rule files) as in the
     * file.
     */
    private static ObjectNode testConfig(Path repoConfig, URI target) throws IOException {
        YAMLMapper yaml = YAMLMapper.builder().build();
        ObjectNode root = (ObjectNode) yaml.readTree(Files.readString(repoConfig));
        int rewritten = 0;
        for (JsonNode job : root.get("scrape_configs")) {
            for (JsonNode sc : job.path("static_configs")) {
                ArrayNode targets = (ArrayNode) sc.get("targets");
                boolean gateway = false;
                for (JsonNode t : targets) {
                    gateway |= t.asString().startsWith("gateway:");
                }
                if (gateway) {
                    ((ObjectNode) job).remove("dns_sd_configs"); // the compose fleet profile's second node
                    targets.removeAll();
                    targets.add(target.getHost() + ":" + target.getPort());
                    ((ObjectNode) job).put("scrape_interval", "1s");
                    rewritten++;
                }
            }
        }
        assertThat(rewritten)
                .as("prometheus.yml scrapes the compose service gateway:<port>")
                .isEqualTo(1);
        // the rule files, resolved beside the repository's file rather than the test's copy, evaluated every second
        ArrayNode ruleFiles = (ArrayNode) root.get("rule_files");
        for (int i = 0; i < ruleFiles.size(); i++) {
            ruleFiles.set(
                    i,
                    repoConfig
                            .resolveSibling(ruleFiles.get(i).asString())
                            .toAbsolutePath()
                            .toString());
        }
        ((ObjectNode) root.get("global")).put("evaluation_interval", "1s");
        return root;
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of an instant query with one result, or {@code null} when there is none yet. */
    private static Double query(URI api, String promql) throws IOException, InterruptedException {
        HttpResponse<String> r =
                get(api.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asString()).as(r.body()).isEqualTo("success");
        JsonNode result = body.path("data").path("result");
        if (result.isEmpty()) {
            return null;
        }
        assertThat(result.size()).as(r.body()).isEqualTo(1);
        return Double.parseDouble(result.get(0).path("value").get(1).asString());
    }
}
