package io.serpentis.gateway.bench;

import static io.serpentis.gateway.bench.RunScriptSmokeTest.deleteRecursively;
import static io.serpentis.gateway.bench.RunScriptSmokeTest.leftBehind;
import static io.serpentis.gateway.bench.RunScriptSmokeTest.requireOnPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the fleet scenarios of {@code benchmarks/run.sh --quick} end to end (issue 13: throughput over 1, 2 and 4
 * nodes and on a Redis Cluster, cross-node freshness, cross-node commands, a {@code kill -9} failover, idle clients
 * over several nodes), from this build's class path, so that they cannot rot: every measurement succeeds, each
 * yields what its table needs, the report has a table per scenario, and no process of the run is left behind.
 * Measures nothing: the figures of a quick run are noise. Needs python3, redis-server, redis-cli and jcmd; without
 * them it is skipped, except under {@code CI=true}, where it fails.
 */
class FleetRunScriptSmokeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void quickFleetRunMeasuresEveryFleetScenarioAndLeavesNothingBehind() throws Exception {
        for (String tool : List.of("python3", "redis-server", "redis-cli", "jcmd")) {
            requireOnPath(tool);
        }
        Path results = Path.of("target", "bench-fleet-smoke").toAbsolutePath();
        deleteRecursively(results);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = results.resolveSibling("bench-fleet-smoke.log");
        Process run = new ProcessBuilder(
                        "bash",
                        "run.sh",
                        "--quick",
                        "--scenarios",
                        "fleet-throughput,fleet-freshness,fleet-command,fleet-failover,fleet-100k",
                        "--classpath",
                        classPath,
                        "--results-dir",
                        results.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!run.waitFor(10, TimeUnit.MINUTES)) {
            run.destroy(); // SIGTERM: the script stops what it started
            run.waitFor(30, TimeUnit.SECONDS);
            fail("run.sh --quick (fleet scenarios) did not finish within 10 minutes; see " + log);
        }
        assertThat(run.exitValue()).as("exit code; see " + log).isZero();

        List<Path> jsonl;
        try (Stream<Path> files = Files.list(results)) {
            jsonl = files.filter(p -> p.toString().endsWith("-quick.jsonl")).toList();
        }
        assertThat(jsonl).hasSize(1);
        Set<String> measured = new TreeSet<>();
        List<String> errors = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl.get(0))) {
            JsonNode r = JSON.readTree(line);
            if (!"result".equals(r.get("type").asString())) {
                continue;
            }
            String scenario = r.get("scenario").asString();
            measured.add(scenario + " on " + r.get("variant").asString());
            if (r.has("error")) {
                errors.add(r.get("error").asString());
                continue;
            }
            switch (scenario) {
                case "fleet-freshness" -> {
                    if (r.get("nodes").asInt() > 1) {
                        assertThat(r.at("/loadgen/cross_node_freshness_us/samples")
                                        .asLong())
                                .as("cross-node freshness samples")
                                .isPositive();
                    }
                    assertThat(r.at("/loadgen/delta_freshness_us/samples").asLong())
                            .as("ack-to-delta freshness samples")
                            .isPositive();
                }
                case "fleet-command" -> {
                    assertThat(r.at("/probe/commands").asLong()).isEqualTo(100);
                    assertThat(r.at("/probe/takeovers").asLong())
                            .as("takeovers, each closed with 4001")
                            .isEqualTo(20);
                }
                case "fleet-failover" -> {
                    JsonNode kill = r.at("/kills/0");
                    assertThat(kill.get("offline").asInt())
                            .isEqualTo(kill.get("clients").asInt());
                    assertThat(kill.at("/status_detail/Gateway node lost").asInt())
                            .isEqualTo(kill.get("clients").asInt());
                }
                case "fleet-100k" -> {
                    for (JsonNode node : r.get("per_node")) {
                        assertThat(node.get("matched_connected").asInt())
                                .isEqualTo(r.get("clients").asInt());
                    }
                }
                default ->
                    assertThat(r.at("/window/redis_commands_per_1000").isMissingNode())
                            .as("Redis commands per 1,000 updates")
                            .isFalse();
            }
        }
        assertThat(errors).isEmpty();
        assertThat(measured)
                .contains(
                        "fleet-throughput on single",
                        "fleet-throughput on fleet-1",
                        "fleet-throughput on fleet-2",
                        "fleet-throughput on fleet-4",
                        "fleet-throughput on cluster-1",
                        "fleet-freshness on fleet-2",
                        "fleet-freshness on fleet-1",
                        "fleet-freshness on single",
                        "fleet-command on fleet-2",
                        "fleet-failover on fleet-1",
                        "fleet-100k on fleet-3");
        String report =
                Files.readString(Path.of(jsonl.get(0).toString().replace(".jsonl", ".md")), StandardCharsets.UTF_8);
        assertThat(report)
                .contains(
                        "### Fleet: throughput over N nodes, and the fencing cost on one node",
                        "### Fleet: cross-node delta freshness",
                        "### Fleet: cross-node commands",
                        "Takeovers (issue 13 point 4",
                        "### Fleet: failover detection after `kill -9`",
                        "### Fleet: idle clients over several gateway processes")
                .doesNotContain("Failed measurements");
        assertThat(leftBehind()).as("processes of the run still alive").isEmpty();
    }
}
