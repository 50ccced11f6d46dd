package io.serpentis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of the main sources, read from their imports: no cycles, and the edges the package
 * javadocs rule out stay absent. Plain text, no bytecode tool: an import is how one package of ours uses another
 * (the sources have no inline fully qualified names), and the root package is the wiring that may use everything.
 */
class PackageDependencyTest {
    private static final String ROOT = "io.serpentis.gateway";
    /** {@code import io.serpentis.gateway.ws.WsSession;}, static imports too; the root package is {@code ""}. */
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?io\\.serpentis\\.gateway\\.(?:([a-z][a-z0-9]*)\\.)?[A-Z]");

    /** Package (relative to the root, {@code ""} for the root) to the packages of ours it imports. */
    private static Map<String, Set<String>> imports;

    @BeforeAll
    static void readSources() throws IOException {
        Path sources = ExternalTools.repoRoot().resolve("gateway/src/main/java/io/serpentis/gateway");
        imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = sources.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> used = imports.computeIfAbsent(pkg, p -> new TreeSet<>());
                for (String line : Files.readAllLines(file)) {
                    Matcher m = IMPORT.matcher(line);
                    if (m.find()) {
                        String target = m.group(1) == null ? "" : m.group(1);
                        if (!target.equals(pkg)) {
                            used.add(target);
                        }
                    }
                }
            }
        }
        assertThat(imports).as("packages found under " + sources).containsKeys("", "ws", "feed", "metrics", "store");
    }

    @Test
    void packagesFormNoCycle() {
        List<String> cycles = new ArrayList<>();
        for (String start : imports.keySet()) {
            List<String> path = pathBack(start, start);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertThat(cycles).as("import cycles between packages of " + ROOT).isEmpty();
    }

    @Test
    void theWebSocketAndFeedPackagesUseNeitherTheStoreNorThePipeline() {
        // The pipeline assembles ws and feed; the store is reached through the registry and a redis_status supplier.
        assertThat(imports.get("ws")).doesNotContain("store", "pipeline", "metrics", "");
        assertThat(imports.get("feed")).doesNotContain("store", "pipeline", "metrics", "");
    }

    @Test
    void onlyTheRootPackageWiresEverythingTogether() {
        for (Map.Entry<String, Set<String>> e : imports.entrySet()) {
            if (!e.getKey().isEmpty()) {
                assertThat(e.getValue())
                        .as("packages imported by " + e.getKey())
                        .doesNotContain("");
            }
        }
    }

    /** A shortest import path from {@code from} back to {@code to} of at least one edge, or {@code null}. */
    private static List<String> pathBack(String from, String to) {
        Map<String, String> parent = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            String p = queue.poll();
            for (String next : imports.getOrDefault(p, Set.of())) {
                if (next.equals(to)) {
                    List<String> path = new ArrayList<>(List.of(name(to)));
                    for (String q = p; q != null; q = parent.get(q)) {
                        path.add(0, name(q));
                        if (q.equals(from)) {
                            break;
                        }
                    }
                    return path;
                }
                if (!parent.containsKey(next) && !next.equals(from)) {
                    parent.put(next, p);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "(root)" : pkg;
    }
}
