package io.serpentis.gateway.internal;

import java.time.Duration;

/** Helpers for the gateway's own threads. */
public final class Threads {
    private Threads() {}

    /**
     * Waits up to {@code timeout} for {@code thread} to end, as a {@code close()} does after telling it to stop. An
     * interrupt of the waiting thread ends the wait early and stays set, for its caller to see.
     *
     * @return whether {@code thread} ended
     */
    public static boolean join(Thread thread, Duration timeout) {
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
