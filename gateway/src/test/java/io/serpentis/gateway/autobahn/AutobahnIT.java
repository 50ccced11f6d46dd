package io.serpentis.gateway.autobahn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.serpentis.gateway.GatewayServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.python.util.PythonInterpreter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 6455 conformance: Autobahn|Testsuite's fuzzing client against {@link AutobahnEchoServer}, one dynamic test
 * per case, so Failsafe counts and reports them. A case fails the build when its behaviour or its closing behaviour
 * is anything but {@code OK}, {@code NON-STRICT} or {@code INFORMATIONAL} (the same rule as the Maven plugin with
 * {@code failOnNonStrict=false}, plus the closing behaviour).
 *
 * <p>The fuzzing client is the Python one bundled in {@code autobahntestsuite-maven-plugin}, run here on Jython in
 * this JVM rather than through the plugin's goal. The goal (0.1.5) connects to {@code ws://<address of the host
 * name>:<port>}, with no path, so it cannot reach {@code /ws} and the peer must listen wherever the host name
 * resolves (not always loopback); it writes its reports relative to Maven's working directory, and it fails only on
 * the behaviour, so a peer that never answers close frames (closing behaviour UNCLEAN) passes. Driving the same
 * client directly keeps the peer on loopback, on a free port, at the production path, with the reports in
 * {@code target/autobahn}.
 *
 * <p>System properties: {@code autobahn.cases} (default {@code 1.*,...,7.*}; 9, 12 and 13 are for on-demand runs),
 * {@code autobahn.excludeCases}, {@code autobahn.reportDir} (set by the pom to {@code target/autobahn}; open
 * {@code index.html} there). Twisted's reactor cannot be restarted, so one JVM runs the suite once.
 */
class AutobahnIT {
    private static final String AGENT = "serpentis-gateway";
    private static final String DEFAULT_CASES = "1.*,2.*,3.*,4.*,5.*,6.*,7.*";
    private static final Set<String> ACCEPTED = Set.of("OK", "NON-STRICT", "INFORMATIONAL");

    @TestFactory
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    Stream<DynamicTest> fuzzingClient() throws Exception {
        Path reportDir = Path.of(System.getProperty("autobahn.reportDir", "target/autobahn"))
                .toAbsolutePath();
        List<String> cases = list(System.getProperty("autobahn.cases", DEFAULT_CASES));
        List<String> excluded = list(System.getProperty("autobahn.excludeCases", ""));
        deleteRecursively(reportDir);
        Files.createDirectories(reportDir);

        try (GatewayServer server = AutobahnEchoServer.start(0)) {
            runFuzzingClient(server.wsUri().toString(), cases, excluded, reportDir);
        }

        Map<String, JsonNode> results = results(reportDir.resolve("index.json"));
        assertThat(results)
                .as("Autobahn results in %s (log: wstest.log)", reportDir)
                .isNotEmpty();
        System.out.println(summary(results, reportDir));
        return results.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(
                        "case " + e.getKey(), () -> check(e.getKey(), e.getValue(), reportDir)));
    }

    private static void check(String caseId, JsonNode result, Path reportDir) throws IOException {
        String behavior = result.path("behavior").asString();
        String closing = result.path("behaviorClose").asString();
        if (ACCEPTED.contains(behavior) && ACCEPTED.contains(closing)) {
            return;
        }
        Path report = reportDir.resolve(result.path("reportfile").asString());
        JsonNode detail = JsonMapper.builder().build().readTree(report);
        fail(
                "Autobahn case %s: behavior %s, closing behavior %s%n  case: %s%n  result: %s%n  closing: %s%n"
                        + "  report: %s",
                caseId,
                behavior,
                closing,
                detail.path("description").asString(),
                detail.path("result").asString(),
                detail.path("resultClose").asString(),
                report.resolveSibling(report.getFileName().toString().replace(".json", ".html")));
    }

    /** Runs {@code wstest -m fuzzingclient} with the given spec; returns when every case has run. */
    private static void runFuzzingClient(String url, List<String> cases, List<String> excluded, Path reportDir)
            throws IOException {
        Properties props = new Properties();
        // Jython's index of Java packages is not needed (the suite imports no Java classes) and would otherwise be
        // written to .jython_cache in the working directory, that is gateway/.
        props.setProperty("python.cachedir.skip", "true");
        props.setProperty("python.console.encoding", "UTF-8");
        PythonInterpreter.initialize(System.getProperties(), props, new String[0]);
        JsonMapper json = JsonMapper.builder().build();
        String spec = json.writeValueAsString(Map.of(
                "outdir",
                reportDir.toString(),
                "servers",
                List.of(Map.of("agent", AGENT, "url", url, "options", Map.of("version", 18))),
                "cases",
                cases,
                "exclude-cases",
                excluded));
        try (OutputStream log = Files.newOutputStream(reportDir.resolve("wstest.log"));
                PythonInterpreter py = new PythonInterpreter()) {
            py.setOut(log);
            py.setErr(log);
            py.set("spec_json", spec);
            // "import io" first: once Netty is loaded, Jython also knows a Java package named io (io.netty,
            // io.serpentis), and Twisted's own "from io import BytesIO" would otherwise get that package instead
            // of Python's io module. Importing it at top level puts the right module in sys.modules.
            py.exec("import io\n"
                    + "import json\n"
                    + "from autobahntestsuite import wstest\n"
                    + "wstest.start({'mode': 'fuzzingclient'}, json.loads(spec_json))\n");
        }
    }

    /** {@code index.json}: agent → case id → result; the cases of our agent, in case-number order. */
    private static Map<String, JsonNode> results(Path index) throws IOException {
        Map<String, JsonNode> byCase = new TreeMap<>(AutobahnIT::compareCaseIds);
        if (Files.exists(index)) {
            JsonMapper.builder()
                    .build()
                    .readTree(index)
                    .path(AGENT)
                    .properties()
                    .forEach(e -> byCase.put(e.getKey(), e.getValue()));
        }
        return byCase;
    }

    private static String summary(Map<String, JsonNode> results, Path reportDir) {
        Map<String, Long> counts = results.values().stream()
                .collect(
                        Collectors.groupingBy(r -> r.path("behavior").asString(), TreeMap::new, Collectors.counting()));
        Map<String, Long> closing = results.values().stream()
                .collect(Collectors.groupingBy(
                        r -> r.path("behaviorClose").asString(), TreeMap::new, Collectors.counting()));
        return "Autobahn|Testsuite: " + results.size() + " cases; behavior " + counts + "; closing behavior " + closing
                + "; reports in " + reportDir.resolve("index.html");
    }

    private static int compareCaseIds(String a, String b) {
        int[] x = Arrays.stream(a.split("\\.")).mapToInt(Integer::parseInt).toArray();
        int[] y = Arrays.stream(b.split("\\.")).mapToInt(Integer::parseInt).toArray();
        return Arrays.compare(x, y);
    }

    private static List<String> list(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p :
                    paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
