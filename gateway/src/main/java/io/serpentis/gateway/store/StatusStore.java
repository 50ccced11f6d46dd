package io.serpentis.gateway.store;

import java.time.Duration;
import java.util.Map;

/**
 * Where client records persist beyond the gateway's memory. The registry is authoritative; a store follows it
 * (write-behind) and reports its own health. Apart from {@link #start} and {@link #close}, which the gateway calls
 * once each from its own thread, implementations never block the caller.
 *
 * <p>Lifecycle: construct, {@link #start}, then {@link #close}.
 */
public interface StatusStore extends AutoCloseable {

    /**
     * Connects and loads what the store holds into the registry, waiting at most {@code loadTimeout}, before the
     * gateway accepts its first client. A store that cannot be reached is not an error: the gateway serves from
     * memory and the store catches up later. The default does nothing (a store with nothing to load).
     */
    default void start(Duration loadTimeout) {}

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
    default void close(Duration budget) {
        close();
    }
}
