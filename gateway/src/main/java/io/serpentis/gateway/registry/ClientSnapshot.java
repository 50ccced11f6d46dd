package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * A consistent copy of one client's record, taken under the record's lock.
 *
 * @param id the client id
 * @param connected whether a connection holds the id
 * @param names field names in the order they were first written; {@code last_seen} comes last when known
 * @param values field values, parallel to {@code names}
 * @param version grows with every change of the record
 */
public record ClientSnapshot(String id, boolean connected, String[] names, String[] values, long version) {

    /** The value of field {@code name}, or {@code null}. */
    public @Nullable String get(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }
}
