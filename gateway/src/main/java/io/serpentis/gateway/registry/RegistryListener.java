package io.serpentis.gateway.registry;

/**
 * Told about every change of a record, after the change, on the thread that made it. Implementations (the
 * store's write-behind, the dashboard feed) only mark the record dirty and return at once.
 */
public interface RegistryListener {

    /** {@code record} changed; take a {@link ClientRecord#snapshot()} later to see how. */
    void changed(ClientRecord record);

    /** {@code record} was purged. */
    void removed(ClientRecord record);
}
