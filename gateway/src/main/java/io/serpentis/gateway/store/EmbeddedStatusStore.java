package io.serpentis.gateway.store;

/**
 * The embedded store: the registry's memory is the only copy. Used when no Redis is configured, so that one
 * command runs the gateway with nothing else installed.
 */
public final class EmbeddedStatusStore implements StatusStore {

    @Override
    public StoreStatus status() {
        return StoreStatus.EMBEDDED;
    }

    @Override
    public void close() {}
}
