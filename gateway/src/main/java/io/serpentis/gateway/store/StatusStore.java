package io.serpentis.gateway.store;

import java.util.Map;

/**
 * Where client records persist beyond the gateway's memory. The registry is authoritative; a store follows it
 * (write-behind) and reports its own health. Implementations never block the caller.
 */
public interface StatusStore extends AutoCloseable {

    /** The store's current state, read on every ack: must be a cheap volatile read. */
    StoreStatus status();

    /**
     * Whether the store is ready to serve (for {@code /readyz}), with the checks behind the answer.
     *
     * @param ready every check passes
     * @param checks check name to its state, e.g. {@code redis: connected}, {@code resync: idle}
     */
    record Readiness(boolean ready, Map<String, String> checks) {}

    /** The store's readiness; cheap, callable from an event loop. */
    Readiness readiness();

    /** Writes what is pending and releases resources. */
    @Override
    void close();

    /** Writes what is pending, taking at most {@code budget}, and releases resources. */
    default void close(java.time.Duration budget) {
        close();
    }
}
