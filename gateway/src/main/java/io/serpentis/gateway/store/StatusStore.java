package io.serpentis.gateway.store;

/**
 * Where client records persist beyond the gateway's memory. The registry is authoritative; a store follows it
 * (write-behind) and reports its own health. Implementations never block the caller.
 */
public interface StatusStore extends AutoCloseable {

    /** The store's current state, read on every ack: must be a cheap volatile read. */
    StoreStatus status();

    /** Writes what is pending and releases resources; waits at most the shutdown budget. */
    @Override
    void close();
}
