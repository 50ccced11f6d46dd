package io.serpentis.gateway.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Latency histograms as the result line writes them. */
final class Histograms {
    private Histograms() {}

    /** The percentiles, max and mean of {@code h} (microseconds) as the result line names them. */
    static Map<String, Object> summary(Histogram h) {
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", h.getValueAtPercentile(50));
        lat.put("p90", h.getValueAtPercentile(90));
        lat.put("p99", h.getValueAtPercentile(99));
        lat.put("p999", h.getValueAtPercentile(99.9));
        lat.put("max", h.getMaxValue());
        lat.put("mean", round(h.getMean()));
        return lat;
    }

    /** The {@link #summary} of {@code h} with its count of values as {@code samples}. */
    static Map<String, Object> withSamples(Histogram h) {
        Map<String, Object> m = summary(h);
        m.put("samples", h.getTotalCount());
        return m;
    }

    /** {@code v} to one decimal. */
    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
