package io.serpentis.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs {@code benchmarks/run.sh --quick} end to end (every single-node scenario, on the embedded store and on Redis,
 * from this build's class path; the fleet scenarios are {@link FleetRunScriptSmokeTest}'s), so that the benchmark
 * script cannot rot: every measurement succeeds, the report has a table per scenario, and the script leaves no
 * process behind nor stops one it did not start. Measures nothing: the figures of a quick run are noise.
 * Needs python3, redis-server and jcmd; without them it is skipped, except under
 * {@code CI=true}, where it fails.
 */
class RunScriptSmokeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The name the script once used to kill every load generator on the machine ({@code pkill -f}). */
    private static final String LOADGEN_NAME = "io.serpentis.gateway.bench.LoadGenerator";

    @Test
    void quickRunMeasuresEveryScenarioOnBothStoresAndStopsOnlyItsOwnProcesses() throws Exception {
        for (String tool : List.of("python3", "redis-server", "jcmd")) {
            requireOnPath(tool);
        }
        Path results = Path.of("target", "bench-smoke").toAbsolutePath();
        deleteRecursively(results);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // A process that is not the script's but carries the load generator's name: it must survive the run.
        Process bystander = new ProcessBuilder("bash", "-c", "exec -a " + LOADGEN_NAME + " sleep 900").start();
        Path log = results.resolveSibling("bench-smoke.log");
        try {
            Process run = new ProcessBuilder(
                            "bash",
                            "run.sh",
                            "--quick",
                            "--scenarios",
                            "throughput,rate,restart,memory,dashboard,script-cost",
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
                fail("run.sh --quick did not finish within 10 minutes; see " + log);
            }
            assertThat(run.exitValue()).as("exit code; see " + log).isZero();
            assertThat(bystander.isAlive())
                    .as("a process the script did not start")
                    .isTrue();
        } finally {
            bystander.destroyForcibly();
        }

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
            measured.add(r.get("scenario").asString() + " " + r.path("load").asString() + " on "
                    + r.get("variant").asString());
            if (r.has("error")) {
                errors.add(r.get("error").asString());
            }
        }
        assertThat(errors).isEmpty();
        assertThat(measured)
                .contains(
                        "throughput 100x1 on embedded",
                        "throughput 100x1 on redis",
                        "throughput 100x16 on embedded",
                        "throughput 100x16 on redis",
                        "throughput 1000x4 on embedded",
                        "throughput 1000x4 on redis",
                        "rate 500 at 5,000/s on embedded",
                        "rate 500 at 5,000/s on redis",
                        "restart 500 at 5,000/s, restarted on embedded",
                        "restart 500 at 5,000/s, restarted on redis",
                        "memory idle registered clients on embedded",
                        "memory idle registered clients on redis",
                        "script-cost 200 clients x 5 rounds, 128 a call on fleet-1");
        String report =
                Files.readString(Path.of(jsonl.get(0).toString().replace(".jsonl", ".md")), StandardCharsets.UTF_8);
        assertThat(report)
                .contains(
                        "### Targets of issue 14",
                        "### Max throughput",
                        "### Fixed rate",
                        "### A gateway restarted under the fixed-rate load",
                        "### Memory per idle registered client",
                        "### Dashboard feed",
                        "### Redis's cost of a live client's update",
                        "Redis commands per 1,000 updates")
                .doesNotContain("Failed measurements");
        assertThat(leftBehind()).as("processes of the run still alive").isEmpty();
    }

    /** Gateways and redis-servers of a run: their command lines name the run's work directory. */
    static List<String> leftBehind() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.contains("serpentis-bench-")) {
                        found.add(p.getFileName() + ": " + cmd.replace('\0', ' '));
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        }
        return found;
    }

    static void requireOnPath(String tool) {
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            File f = new File(dir, tool);
            if (f.isFile() && f.canExecute()) {
                return;
            }
        }
        String missing = tool + " is not on PATH";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(missing + " (CI=true, so this fails: CI must install it, see .ci/run)");
        }
        Assumptions.abort(missing + "; test skipped");
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p :
                    all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
