package io.serpentis.gateway.bench;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Once a second, on its own schedule: a progress line on stderr, the timeline's entry (acks that arrived in
 * that second and their latency, and the p99 of the last 5 s together), and the {@code all-registered} mark when
 * every client is registered.
 */
final class LoadProgress implements Runnable {
    private final LoadGenerator load;
    private final long start;
    volatile boolean measuring;
    volatile boolean stop;

    LoadProgress(LoadGenerator load, long start) {
        this.load = load;
        this.start = start;
    }

    @Override
    public void run() {
        long lastAcks = 0;
        long last = start;
        boolean allRegistered = false;
        Histogram interval = null;
        ArrayDeque<Histogram> recent = new ArrayDeque<>(load.TRAILING_SECONDS);
        for (long tick = 1; !stop; tick++) {
            long next = start + TimeUnit.SECONDS.toNanos(tick);
            try {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long a = load.acks.sum();
            double perSec = (a - lastAcks) * 1e9 / Math.max(1, now - last);
            int reg = load.registered.get();
            System.err.printf(
                    "t=%5.1fs %s open=%d registered=%d acks/s=%.0f errors=%d connect_failures=%d%n",
                    (now - start) / 1e9,
                    measuring ? "measure" : "ramp/warm",
                    load.open.get(),
                    reg,
                    perSec,
                    load.errors.sum(),
                    load.connectFailures.sum());
            if (!allRegistered && reg >= load.connections) {
                allRegistered = true;
                LoadGenerator.mark("all-registered");
            }
            if (load.timeline && tick <= load.MAX_TIMELINE_SECONDS) {
                interval = load.perSecond.getIntervalHistogram(interval);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("end_ms", System.currentTimeMillis());
                e.put("acks", interval.getTotalCount());
                e.put("p50", interval.getValueAtPercentile(50));
                e.put("p99", interval.getValueAtPercentile(99));
                e.put("p999", interval.getValueAtPercentile(99.9));
                e.put("max", interval.getMaxValue());
                if (recent.size() == load.TRAILING_SECONDS) {
                    recent.removeFirst();
                }
                recent.addLast(interval.copy());
                Histogram trailing = new Histogram(load.MAX_MICROS, 2);
                recent.forEach(trailing::add);
                e.put("p99_trailing", trailing.getValueAtPercentile(99));
                e.put("open", load.open.get());
                e.put("registered", reg);
                load.timelineEntries.add(e);
            }
            lastAcks = a;
            last = now;
        }
    }
}
