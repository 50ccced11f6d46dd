package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.testing.ExternalTools;
import io.serpentis.gateway.ws.WsCloseHandshake.Initiator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The shape of the repository's alerting rules, without Prometheus (which {@link PrometheusRulesIT} and
 * {@link PrometheusIT} run): {@code prometheus.yml} loads them; every alert says how bad it is, what happened and
 * what to check and do; every alert has a unit test where it fires and one where it does not; and every metric they
 * name is one the gateway exports, so that a renamed meter cannot leave an alert silently watching nothing.
 */
class PrometheusRulesTest {
    /** The rules file, beside {@code prometheus.yml} in the repository's root. */
    static final String RULES = "prometheus-rules.yml";
    /** Their {@code promtool test rules} file. */
    static final String RULE_TESTS = "prometheus-rules.test.yml";

    /**
     * The fleet's meters as the fleet design names them (issue 13: fleet-design.md, "Metrics"), which the rules use
     * while the fleet's binder is not in the exposition built below: once it is, bind it there and empty this set.
     */
    /** A metric name in a rule's expression or text: not the middle of a recording rule's name (level:name:op). */
    private static final Pattern METRIC = Pattern.compile("(?<![\\w:])gateway_[a-z0-9_]+(?![\\w:])");

    private static final Pattern RECORDED = Pattern.compile("\\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\\b");
    private static final Set<String> SAMPLE_SUFFIXES = Set.of("bucket", "count", "sum", "max", "total");

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static JsonNode read(String file) throws IOException {
        return YAML.readTree(Files.readString(ExternalTools.repoRoot().resolve(file)));
    }

    private final JsonNode rules = read(RULES);

    PrometheusRulesTest() throws IOException {}

    private List<JsonNode> rules() {
        List<JsonNode> all = new ArrayList<>();
        rules.path("groups").forEach(g -> g.path("rules").forEach(all::add));
        return all;
    }

    private List<JsonNode> alerts() {
        return rules().stream().filter(r -> r.has("alert")).toList();
    }

    private Set<String> recordingRuleNames() {
        Set<String> names = new TreeSet<>();
        rules().stream()
                .filter(r -> r.has("record"))
                .forEach(r -> names.add(r.get("record").asString()));
        return names;
    }

    @Test
    void prometheusYmlAndTheUnitTestsLoadTheRules() throws IOException {
        List<String> loaded = new ArrayList<>();
        read("prometheus.yml").path("rule_files").forEach(f -> loaded.add(f.asString()));
        assertThat(loaded).containsExactly(RULES);
        List<String> tested = new ArrayList<>();
        read(RULE_TESTS).path("rule_files").forEach(f -> tested.add(f.asString()));
        assertThat(tested).containsExactly(RULES);
    }

    @Test
    void everyAlertSaysHowBadWhatHappenedAndWhatToCheckAndDo() {
        assertThat(alerts()).hasSizeGreaterThanOrEqualTo(8);
        Set<String> names = new TreeSet<>();
        for (JsonNode alert : alerts()) {
            String name = alert.get("alert").asString();
            assertThat(names.add(name)).as("alert names are unique: " + name).isTrue();
            assertThat(name).matches("Gateway[A-Z][A-Za-z]+");
            assertThat(alert.path("labels").path("severity").asString())
                    .as(name)
                    .isIn("critical", "warning");
            JsonNode annotations = alert.path("annotations");
            assertThat(annotations.path("summary").asString())
                    .as(name + " summary")
                    .isNotBlank();
            assertThat(annotations.path("description").asString())
                    .as(name + " description")
                    .isNotBlank();
            assertThat(annotations.path("runbook").asString())
                    .as(name + " runbook: what to check and do")
                    .hasSizeGreaterThan(150);
        }
    }

    @Test
    void recordingRulesAreNamedLevelMetricOperation() {
        List<String> records = rules().stream()
                .filter(r -> r.has("record"))
                .map(r -> r.get("record").asString())
                .toList();
        assertThat(records)
                .isNotEmpty()
                .doesNotHaveDuplicates()
                .allSatisfy(r -> assertThat(r).matches("job:gateway_[a-z0-9_]+:[a-z0-9_]+"));
    }

    @Test
    void everyAlertIsUnitTestedFiringAndNotFiring() throws IOException {
        Map<String, Set<Boolean>> cases = new LinkedHashMap<>();
        for (JsonNode test : read(RULE_TESTS).path("tests")) {
            for (JsonNode c : test.path("alert_rule_test")) {
                cases.computeIfAbsent(c.get("alertname").asString(), k -> new TreeSet<>())
                        .add(!c.path("exp_alerts").isEmpty());
            }
        }
        for (JsonNode alert : alerts()) {
            String name = alert.get("alert").asString();
            assertThat(cases.get(name))
                    .as(name + " has a case where it fires and one where it does not")
                    .containsExactlyInAnyOrder(true, false);
        }
        assertThat(alerts().stream().map(a -> a.get("alert").asString()).toList())
                .as("no test for an alert that does not exist")
                .containsAll(cases.keySet());
    }

    @Test
    void theRulesNameOnlyMetricsTheGatewayExports() {
        Set<String> exported = exportedSampleNames();
        Set<String> recorded = recordingRuleNames();
        Set<String> unknown = new TreeSet<>();
        Set<String> fleet = new TreeSet<>();
        for (JsonNode rule : rules()) {
            StringBuilder text = new StringBuilder(rule.path("expr").asString());
            rule.path("annotations").forEach(a -> text.append('\n').append(a.asString()));
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                String name = m.group();
                if (!exports(exported, name)) {
                    unknown.add(name);
                } else if (name.startsWith("gateway_fleet_")) {
                    fleet.add(name);
                }
            }
            Matcher r = RECORDED.matcher(text);
            while (r.find()) {
                assertThat(recorded).as("recording rule named in " + rule).contains(r.group());
            }
        }
        assertThat(unknown).as("metrics the gateway does not export").isEmpty();
        assertThat(fleet)
                .as("the fleet's alerts watch lost nodes, reaped clients, detection time and fenced writes")
                .contains(
                        "gateway_fleet_nodes_lost_total",
                        "gateway_fleet_clients_reaped_total",
                        "gateway_fleet_fenced_writes_total");
    }

    /** Whether {@code name} is one of {@code samples}, or a family whose samples carry a standard suffix. */
    private static boolean exports(Set<String> samples, String name) {
        if (samples.contains(name)) {
            return true;
        }
        int cut = name.lastIndexOf('_');
        if (cut > 0 && SAMPLE_SUFFIXES.contains(name.substring(cut + 1)) && samples.contains(name.substring(0, cut))) {
            return true; // a sample of a family named in the set (the fleet's, named by family)
        }
        return SAMPLE_SUFFIXES.stream().anyMatch(s -> samples.contains(name + "_" + s));
    }

    /** Every sample name in the exposition of a gateway with Redis in a fleet, every lazy meter created. */
    private static Set<String> exportedSampleNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterFilters.configure(registry);
        GatewayMetrics metrics = new GatewayMetrics(registry);
        metrics.bindClients(new LocalClientRegistry(LimitsConfig.defaults(), RegistryConfig.defaults(), "node-1"));
        metrics.ws().closeFrame(Initiator.GATEWAY, 4002);
        new RedisMetrics(
                registry,
                new RedisMetrics.Source() {
                    @Override
                    public boolean redisUp() {
                        return true;
                    }

                    @Override
                    public int dirtyClients() {
                        return 0;
                    }
                },
                512);
        new FleetMetrics(new FleetMetrics.Source() {
                    @Override
                    public int members(String state) {
                        return 0;
                    }

                    @Override
                    public double heartbeatAgeSeconds() {
                        return 0;
                    }

                    @Override
                    public boolean isolated() {
                        return false;
                    }

                    @Override
                    public long fencedWrites() {
                        return 0;
                    }

                    @Override
                    public int subscriptionsWanted() {
                        return 0;
                    }

                    @Override
                    public int subscriptionsConfirmed() {
                        return 0;
                    }

                    @Override
                    public long resubscribes() {
                        return 0;
                    }

                    @Override
                    public long messagesDropped() {
                        return 0;
                    }
                })
                .bindTo(registry);
        Set<String> names = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertThat(names)
                .contains(
                        "gateway_ws_connections_open",
                        "gateway_redis_up",
                        "gateway_ws_liveness_detection_seconds_bucket");
        return names;
    }
}
