package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * What the store must write for one client: taken from a {@link ClientRecord} by the write-behind, given back on
 * failure. Plain data, no Netty types, so that it can cross to the store's thread.
 *
 * @param id the client id
 * @param version the record's version; the store drops a write older than what it holds
 * @param full the whole record (the store replaces what it holds); else only {@code names} changed
 * @param delete the record was purged: remove it from the store if the store holds nothing newer
 * @param names changed field names, in the record's order
 * @param values their values, parallel to {@code names}
 * @param deleted field names removed since the last write
 * @param disconnected whether the client is disconnected (the store then lets the record expire)
 * @param disconnectedAtMicros when it disconnected (epoch microseconds), for the expiry
 * @param dirtySinceNanos when ({@link System#nanoTime()}) the oldest change in this write was made, or
 *     {@code Long.MIN_VALUE} when it carries none (a full write-back after an outage); for the write-lag metric
 * @param ownership how the write relates to the client's ownership in a fleet ({@link Ownership#NONE} outside one)
 * @param epoch the fencing token the record holds (fleet mode; 0 before its first claim): Redis refuses the write
 *     unless the client's record still carries it
 */
public record StoreWrite(
        String id,
        long version,
        boolean full,
        boolean delete,
        String[] names,
        String[] values,
        String[] deleted,
        boolean disconnected,
        long disconnectedAtMicros,
        long dirtySinceNanos,
        Ownership ownership,
        long epoch) {

    private static final String[] NONE = new String[0];

    /** How a write relates to the ownership of its client (fleet mode). */
    public enum Ownership {
        /** No fleet: the write is guarded by version only. */
        NONE,
        /** An owner's write: Redis takes it only while the record carries the owner's epoch. */
        FENCED,
        /**
         * A full write that takes the client over for this node (a registration): a new epoch, and the previous
         * owner told to let go.
         */
        CLAIM,
        /**
         * A full write that takes back a client this node held in a previous life (the fleet declared the node lost
         * while its sockets stayed open): it succeeds only while the record still names this node.
         */
        RECLAIM
    }

    /** Removes a purged record (if the store holds nothing newer than {@code version}). */
    static StoreWrite delete(String id, long version, long dirtySinceNanos, Ownership ownership, long epoch) {
        return new StoreWrite(id, version, false, true, NONE, NONE, NONE, true, 0, dirtySinceNanos, ownership, epoch);
    }

    /** Whether this write acquires the client (a new epoch) rather than writing under the one the record holds. */
    public boolean claims() {
        return ownership == Ownership.CLAIM || ownership == Ownership.RECLAIM;
    }

    /** The value of field {@code name} in this write, or {@code null}. */
    public @Nullable String value(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }
}
