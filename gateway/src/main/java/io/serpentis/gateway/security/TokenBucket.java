package io.serpentis.gateway.security;

/**
 * A token bucket of {@code burst} tokens refilled at {@code ratePerSecond}, kept as one number: the generic cell
 * rate algorithm (GCRA, ITU-T I.371), which admits exactly what a token bucket admits without a refill step. An
 * event at time {@code t} conforms while the "theoretical arrival time" is at most {@code (burst - 1)} emission
 * intervals ahead of {@code t}; each conforming event moves it one interval on. No allocation, no lock.
 *
 * <p>Not thread-safe: confine an instance to one thread (a channel's event loop) or guard it.
 */
public final class TokenBucket {
    private final long intervalNanos;
    private final long toleranceNanos;
    private long theoreticalArrival;
    private boolean started;

    /**
     * @param ratePerSecond tokens added per second, at least 1
     * @param burst tokens the bucket holds (and starts with), at least 1
     */
    public TokenBucket(int ratePerSecond, int burst) {
        if (ratePerSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be positive: " + ratePerSecond + ", " + burst);
        }
        this.intervalNanos = Math.max(1, 1_000_000_000L / ratePerSecond);
        this.toleranceNanos = intervalNanos * (burst - 1L);
    }

    /** Takes a token at {@code nowNanos} (a monotonic clock); {@code false} when the bucket is empty. */
    public boolean tryAcquire(long nowNanos) {
        if (!started || nowNanos - theoreticalArrival > 0) {
            theoreticalArrival = nowNanos; // a full bucket: the clock caught up with the last arrival
            started = true;
        }
        if (theoreticalArrival - nowNanos > toleranceNanos) {
            return false;
        }
        theoreticalArrival += intervalNanos;
        return true;
    }
}
