package io.serpentis.gateway.fleet;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last hour of the fleet's history, oldest first, in bounded memory: at most {@code capacity} samples, none
 * older than {@code keepMillis} before the newest, each newer than the one before (a sample that is not newer than
 * the newest is ignored: the same interval again, or a clock that stepped back).
 *
 * <p>Thread-safe: the sampling thread adds, HTTP requests read.
 */
final class HistoryRing {
    private final int capacity;
    private final long keepMillis;
    private final ArrayDeque<HistorySample> samples;

    HistoryRing(int capacity, long keepMillis) {
        if (capacity < 1 || keepMillis < 1) {
            throw new IllegalArgumentException("capacity and keep must be positive");
        }
        this.capacity = capacity;
        this.keepMillis = keepMillis;
        this.samples = new ArrayDeque<>(capacity);
    }

    /** Adds {@code sample} when it is newer than the newest; drops what falls out of the hour or the capacity. */
    synchronized boolean add(HistorySample sample) {
        HistorySample newest = samples.peekLast();
        if (newest != null && sample.epochMillis() <= newest.epochMillis()) {
            return false;
        }
        samples.addLast(sample);
        long oldestKept = sample.epochMillis() - keepMillis;
        while (samples.size() > capacity || samples.getFirst().epochMillis() <= oldestKept) {
            samples.removeFirst();
        }
        return true;
    }

    /** Adds each of {@code more} (oldest first) in turn. */
    synchronized void addAll(List<HistorySample> more) {
        more.forEach(this::add);
    }

    /** The time of the newest sample, 0 when there is none. */
    synchronized long newestMillis() {
        HistorySample newest = samples.peekLast();
        return newest == null ? 0 : newest.epochMillis();
    }

    /** Every sample kept, oldest first. */
    synchronized List<HistorySample> samples() {
        return List.copyOf(samples);
    }

    int capacity() {
        return capacity;
    }
}
