package io.serpentis.gateway.store;

import java.util.Map;

/**
 * The embedded store: the registry's memory is the only copy. Used when no Redis is configured, so that one
 * command runs the gateway with nothing else installed.
 */
public final class EmbeddedStatusStore implements StatusStore {
    private static final Readiness READY = new Readiness(true, Map.of("store", "embedded"));

    @Override
    public StoreStatus status() {
        return StoreStatus.EMBEDDED;
    }

    @Override
    public Readiness readiness() {
        return READY;
    }

    @Override
    public void close() {}
}
