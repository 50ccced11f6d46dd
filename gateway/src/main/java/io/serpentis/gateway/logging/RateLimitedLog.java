package io.serpentis.gateway.logging;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A warning that may repeat (a flapping Redis, a misbehaving peer) is logged at WARN at most once per interval;
 * the repeats in between go to DEBUG and are counted, and the next WARN line says how many were suppressed (as
 * Lettuce does with reconnection warnings). One instance per kind of warning. Thread-safe, lock-free.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextAllowedNanos;
    private final AtomicInteger suppressed = new AtomicInteger();

    /** Warnings on {@code log}, at most one per {@code interval}. */
    public RateLimitedLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** As above, on {@code nanoClock} (tests pass their own). */
    public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.nextAllowedNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Logs at WARN unless a warning went out less than the interval ago; then at DEBUG. SLF4J formatting: a
     * trailing {@link Throwable} argument is logged with its stack trace.
     */
    public void warn(String format, @Nullable Object... args) {
        if (!log.isWarnEnabled()) {
            return;
        }
        long now = nanoClock.getAsLong();
        long next = nextAllowedNanos.get();
        if (now - next >= 0 && nextAllowedNanos.compareAndSet(next, now + intervalNanos)) {
            int n = suppressed.getAndSet(0);
            log.warn(n == 0 ? format : format + " [" + n + " similar warnings suppressed]", args);
        } else {
            suppressed.incrementAndGet();
            log.debug(format, args);
        }
    }

    /** Repeats suppressed since the last WARN line. */
    public int suppressed() {
        return suppressed.get();
    }
}
