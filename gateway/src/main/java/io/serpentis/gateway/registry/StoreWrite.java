package io.serpentis.gateway.registry;

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
        long dirtySinceNanos) {

    private static final String[] NONE = new String[0];

    /** Removes a purged record (if the store holds nothing newer than {@code version}). */
    static StoreWrite delete(String id, long version, long dirtySinceNanos) {
        return new StoreWrite(id, version, false, true, NONE, NONE, NONE, true, 0, dirtySinceNanos);
    }
}
