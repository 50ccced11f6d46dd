package io.serpentis.gateway.fleet;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One sample of the fleet's history ({@link FleetHistory}): at {@code epochMillis}, how many clients were connected
 * and disconnected across the fleet, and how many status updates per second the fleet acknowledged.
 *
 * @param epochMillis when (ms since the epoch; a multiple of the sampling interval)
 * @param connected clients connected to any node of the fleet
 * @param disconnected clients with a record but connected nowhere (until purged)
 * @param updatesPerSecond acknowledged status updates per second over the interval before it, summed over the
 *     fleet's live nodes
 */
public record HistorySample(long epochMillis, int connected, int disconnected, double updatesPerSecond) {

    public HistorySample {
        if (connected < 0 || disconnected < 0 || !(updatesPerSecond >= 0) || Double.isInfinite(updatesPerSecond)) {
            throw new IllegalArgumentException("counts and rate must be finite and non-negative");
        }
    }

    /** When, as an ISO-8601 instant in UTC ({@code 2026-01-02T03:04:10Z}). */
    public String time() {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** {@code <connected>:<disconnected>:<updates per second>}: the sample without its time, as Redis keeps it. */
    String encodeCounts() {
        return connected + ":" + disconnected + ":" + updatesPerSecond;
    }

    /**
     * A sample as Redis keeps it, {@code <t>:<connected>:<disconnected>:<updates per second>}; {@code null} when it
     * is not one (written by another version, say).
     */
    static @Nullable HistorySample decode(String member) {
        String[] parts = member.split(":", -1);
        if (parts.length != 4) {
            return null;
        }
        try {
            long t = (long) Double.parseDouble(parts[0]); // Lua may write a large number as 1.7e+12
            double rate = Double.parseDouble(parts[3]);
            return new HistorySample(t, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), rate);
        } catch (IllegalArgumentException e) { // NumberFormatException included
            return null;
        }
    }
}
