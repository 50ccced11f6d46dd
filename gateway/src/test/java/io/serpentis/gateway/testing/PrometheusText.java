package io.serpentis.gateway.testing;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scraped Prometheus text exposition, parsed into samples: enough to read a series' value in a test
 * ({@code value("gateway_ws_connections_open")}, {@code value("gateway_clients", "state", "connected")}).
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final String text;
    private final List<Sample> samples = new ArrayList<>();

    public PrometheusText(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
    }

    /** {@code GET <base>/metrics}, parsed; fails unless it answers 200. */
    public static PrometheusText scrape(URI base) {
        HttpResponse<String> r = new HttpTestClient(base).get("/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return new PrometheusText(r.body());
    }

    /** The raw text. */
    public String text() {
        return text;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Whether a series of that name exists. */
    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /**
     * The value of the one sample named {@code name} whose labels include the given name/value pairs; fails when
     * none or several match.
     */
    public double value(String name, String... labelPairs) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s, labelPairs)) {
                found.add(s);
            }
        }
        if (found.size() != 1) {
            throw new AssertionError(
                    found.size() + " samples match " + name + " " + List.of(labelPairs) + ": " + found);
        }
        return found.get(0).value();
    }

    /** {@link #value} of {@code after} minus that of {@code before}. */
    public static double delta(PrometheusText before, PrometheusText after, String name, String... labelPairs) {
        return after.value(name, labelPairs) - before.value(name, labelPairs);
    }

    private static boolean matches(Sample s, String... labelPairs) {
        for (int i = 0; i < labelPairs.length; i += 2) {
            if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
