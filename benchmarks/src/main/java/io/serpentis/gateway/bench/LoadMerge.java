package io.serpentis.gateway.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/** Merges the JSON result lines of several processes (one scenario split over processes) into one. */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        description = "Merges result lines (files, or stdin) of processes that ran one scenario together.")
final class LoadMerge implements Callable<Integer> {
    private static final List<String> SUMMED = List.of(
            "connections_target",
            "connections_held",
            "registered",
            "registrations",
            "connect_failures",
            "reconnects",
            "acks",
            "errors",
            "acks_total",
            "skipped_sends",
            "missed_while_disconnected",
            "unacked_at_close");

    @CommandLine.Parameters(arity = "0..*", description = "Files holding result lines; stdin when none.")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> lines = new ArrayList<>();
        if (files.isEmpty()) {
            lines.addAll(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    .lines()
                    .toList());
        } else {
            for (Path f : files) {
                lines.addAll(Files.readAllLines(f));
            }
        }
        Histogram merged = null;
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Long> sums = new LinkedHashMap<>();
        double seconds = 0;
        double rate = 0;
        for (String line : lines) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode n = LoadGenerator.JSON.readTree(line);
            Histogram h = LoadGenerator.Result.decode(n.get("histogram").asString());
            if (merged == null) {
                merged = h.copy();
            } else {
                merged.add(h);
            }
            m.put("mode", n.get("mode").asString());
            m.put("latency_basis", n.path("latency_basis").asString("send time"));
            m.put("window", n.get("window").asInt());
            for (String k : SUMMED) {
                sums.merge(k, n.path(k).asLong(0), Long::sum);
            }
            seconds = Math.max(seconds, n.get("seconds").asDouble());
            rate += n.get("rate").asDouble();
        }
        if (merged == null) {
            System.err.println("no result lines");
            return 1;
        }
        m.putAll(sums);
        m.put("rate", rate);
        m.put("seconds", seconds);
        m.put("acks_per_s", Histograms.round(sums.get("acks") / Math.max(seconds, 1e-9)));
        m.put("latency_us", Histograms.summary(merged));
        System.out.println(new LoadGenerator.Result(m, merged).toJson());
        return 0;
    }
}
