package io.serpentis.gateway.registry;

/**
 * A fleet member's own record as its peers are told it ({@link ClientRecord#ownedSnapshot()}).
 *
 * @param snapshot the record's fields, taken under its lock
 * @param epoch the client's fencing token this node holds; with the snapshot's version it orders the record
 *     against every other copy in the fleet
 * @param settled whether the epoch is the one Redis holds: false while a claim of the client is unanswered
 */
public record OwnedSnapshot(ClientSnapshot snapshot, long epoch, boolean settled) {}
