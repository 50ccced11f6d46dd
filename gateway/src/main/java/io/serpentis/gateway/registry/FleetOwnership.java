package io.serpentis.gateway.registry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's ownership as a fleet member's {@link ClientRecord} keeps it (a fenced record): the epoch (fencing
 * token) this node holds, whether the record's next write must claim the client (a registration here) or take it
 * back for a new life of this node, whether such a claim is unanswered, and whether another node owns the client
 * now (a remote record, which this node never writes), and whether the record counts among the registry's remote
 * records whose client is connected.
 *
 * <p>Thread-safety: none of its own. It belongs to one record and is read and changed only while that record's
 * monitor is held (every caller is a {@code synchronized} method of {@link ClientRecord}); it does no I/O.
 */
final class FleetOwnership {
    /**
     * The registry's count of remote records whose client is connected (to another node), kept exact by
     * {@link #recount} after every change of the record's ownership, removal or fields.
     */
    private final AtomicInteger remoteConnectedCount;
    /** Whether this record counts in {@link #remoteConnectedCount}. */
    private boolean countedRemote;
    /** The fencing token this node holds for the client; 0 before its first claim. */
    private long epoch;
    /** The next write must claim the client: a connection registered here since the last claim was taken. */
    private boolean claimPending;
    /** A claim (or reclaim) was taken and its answer has not come back: it, not a kick, decides who owns. */
    private boolean claimInFlight;
    /** The next write must take the client back for a new life of this node. */
    private boolean reclaimPending;
    /** Another node owns the client (or did last): this node does not write the record. */
    private boolean remote;

    FleetOwnership(AtomicInteger remoteConnectedCount) {
        this.remoteConnectedCount = remoteConnectedCount;
    }

    /**
     * Keeps the registry's count exact: the record counts while it is remote, not purged, not held by a connection
     * here, and its client is connected as its owner last said.
     */
    void recount(boolean removed, boolean ownedHere, boolean connected) {
        boolean counts = remote && !removed && !ownedHere && connected;
        if (counts != countedRemote) {
            countedRemote = counts;
            if (counts) {
                remoteConnectedCount.incrementAndGet();
            } else {
                remoteConnectedCount.decrementAndGet();
            }
        }
    }

    long epoch() {
        return epoch;
    }

    boolean remote() {
        return remote;
    }

    boolean claimPending() {
        return claimPending;
    }

    /** Whether this node is taking the client (a claim or reclaim waits or is unanswered): that decides, not peers. */
    boolean acquiring() {
        return claimPending || claimInFlight || reclaimPending;
    }

    /** Whether the epoch is known and no claim of this node's can change it. */
    boolean settled() {
        return epoch != 0 && !acquiring();
    }

    /** The record was read from the store with {@code storedEpoch}. */
    void loaded(long storedEpoch) {
        epoch = storedEpoch;
    }

    /** The record is another node's (or was last): this node does not write it. */
    void becomeRemote() {
        remote = true;
    }

    /** A connection registered here (or this node restarts a record it left before it was a fleet member). */
    void claim() {
        remote = false;
        claimPending = true;
        reclaimPending = false;
    }

    /** Whether a record at ({@code storedEpoch}, {@code storedVersion}) is newer than this one at {@code version}. */
    boolean olderThan(long storedEpoch, long storedVersion, long version) {
        return storedEpoch > epoch || (storedEpoch == epoch && storedVersion > version);
    }

    /**
     * How the next write relates to the client's ownership; a claim or reclaim is in flight from then on (and is a
     * full write: the caller asks for one).
     */
    StoreWrite.Ownership nextWrite() {
        StoreWrite.Ownership ownership;
        if (claimPending || epoch == 0) {
            ownership = StoreWrite.Ownership.CLAIM;
        } else if (reclaimPending) {
            ownership = StoreWrite.Ownership.RECLAIM;
        } else {
            return StoreWrite.Ownership.FENCED;
        }
        // A previous claim still unanswered (the writer gave it back unsent) goes again with this one.
        claimPending = false;
        reclaimPending = false;
        claimInFlight = true;
        return ownership;
    }

    /** {@code w} did not reach the store: a claim it carried waits again, unless the client was lost meanwhile. */
    void writeFailed(StoreWrite w) {
        if (w.claims()) {
            claimInFlight = false;
            if (w.ownership() == StoreWrite.Ownership.CLAIM) {
                claimPending = !remote;
            } else {
                reclaimPending = !remote && !claimPending;
            }
        }
    }

    /** A claim succeeded with {@code newEpoch}. */
    void claimed(long newEpoch) {
        claimInFlight = false;
        if (newEpoch > epoch) {
            epoch = newEpoch;
        }
    }

    /**
     * Redis holds nothing of this node's under its epoch ({@code w} was refused as unclaimed).
     *
     * @return whether the next write claims the client again (not when it is remote or {@code removed})
     */
    boolean claimAgain(StoreWrite w, boolean removed) {
        if (w.claims()) {
            claimInFlight = false;
        }
        if (remote || removed) {
            return false;
        }
        claimPending = true;
        return true;
    }

    /**
     * Another node owns the client now; nothing changes while a registration here is about to claim it.
     *
     * @return whether the record became remote
     */
    boolean fence() {
        claimInFlight = false; // a refused claim ends here; nothing else can be in flight with a fenced write
        if (remote || claimPending) {
            return false;
        }
        reclaimPending = false;
        remote = true;
        return true;
    }

    /** Whether a kick from the node that claimed the client with {@code claimEpoch} is honoured: its hold is newer. */
    boolean yieldsTo(long claimEpoch) {
        return !remote && !acquiring() && epoch < claimEpoch;
    }

    /** This node starts a new life with the client's connection still open here: the next write takes it back. */
    void reclaim() {
        reclaimPending = true;
    }
}
