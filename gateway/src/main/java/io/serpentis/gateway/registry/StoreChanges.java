package io.serpentis.gateway.registry;

import io.serpentis.gateway.internal.Timestamps;
import java.util.Arrays;
import java.util.LinkedHashSet;
import org.jspecify.annotations.Nullable;

/**
 * What of one {@link ClientRecord} the store has not written yet (the write-behind's bookkeeping, kept only when
 * the registry tracks store changes): the fields changed and removed since the store last took a write, whether
 * the next write must carry the whole record, whether the record holds a place in the store's queue, and since
 * when the oldest change has waited. A client costs one write however many updates it sent in between.
 *
 * <p>Thread-safety: none of its own. It belongs to one record and is read and changed only while that record's
 * monitor is held (every caller is a {@code synchronized} method of {@link ClientRecord}); it does no I/O.
 */
final class StoreChanges {
    /** No change waits for the store (see {@link #dirtySinceNanos}). */
    static final long CLEAN = Long.MIN_VALUE;

    private static final String[] NONE = new String[0];

    private @Nullable LinkedHashSet<String> dirty;
    private @Nullable LinkedHashSet<String> deleted;
    /** The next write carries the whole record; a record's first write creates the whole hash. */
    private boolean fullWrite = true;

    private boolean queued;
    /** When ({@link System#nanoTime()}) the oldest change not yet taken by the store was made, or {@link #CLEAN}. */
    private long dirtySinceNanos = CLEAN;

    /** Field {@code name} was set (or {@code last_seen} moved). */
    void changed(String name) {
        if (dirtySinceNanos == CLEAN) {
            dirtySinceNanos = System.nanoTime();
        }
        dirty().add(name);
        if (deleted != null) {
            deleted.remove(name);
        }
    }

    /** Field {@code name} was removed. */
    void removed(String name) {
        dirty().remove(name);
        deleted().add(name);
    }

    /** The next write carries the whole record. */
    void requestFull() {
        fullWrite = true;
    }

    /** Forgets every change: the store holds the record as it is, or it is not this node's to write. */
    void discard() {
        // Dropped, not cleared: an idle client (most of a fleet) then keeps no empty sets, about 170 bytes each.
        dirty = null;
        deleted = null;
        fullWrite = false;
        dirtySinceNanos = CLEAN;
    }

    /** Claims a place in the store's queue: true the first time since the record last left it. */
    boolean enqueue() {
        if (queued) {
            return false;
        }
        queued = true;
        return true;
    }

    /** Whether anything waits to be written. */
    boolean pending() {
        return fullWrite || (dirty != null && !dirty.isEmpty()) || (deleted != null && !deleted.isEmpty());
    }

    /**
     * Takes the write of client {@code id}'s record ({@code fields}) and leaves the queue: the changed fields (every
     * field for a full write, a claim's included), the fields removed since, and the version they carry; a delete
     * for a purged ({@code removed}) record. {@code null} when there is nothing to write, or nothing of this node's
     * ({@code fleet} says whether another node owns the client, and how the write relates to its ownership).
     */
    @Nullable
    StoreWrite take(
            String id,
            long version,
            boolean removed,
            @Nullable FleetOwnership fleet,
            ClientFields fields,
            long disconnectedAtMicros,
            boolean disconnected) {
        queued = false;
        long since = dirtySinceNanos;
        dirtySinceNanos = CLEAN;
        if (fleet != null && fleet.remote()) {
            discard(); // another node owns the client: its record is that node's to write
            return null;
        }
        if (removed) {
            // Purged before its last change reached the store: remove it there too, unless newer data is there.
            boolean pending = pending();
            discard();
            if (fleet == null) {
                return pending ? StoreWrite.delete(id, version, since, StoreWrite.Ownership.NONE, 0) : null;
            }
            // Never claimed (epoch 0): Redis holds nothing of this node's.
            return pending && fleet.epoch() != 0
                    ? StoreWrite.delete(id, version, since, StoreWrite.Ownership.FENCED, fleet.epoch())
                    : null;
        }
        StoreWrite.Ownership ownership = fleet == null ? StoreWrite.Ownership.NONE : fleet.nextWrite();
        if (ownership == StoreWrite.Ownership.CLAIM || ownership == StoreWrite.Ownership.RECLAIM) {
            fullWrite = true; // a claim writes the whole record
        }
        if (!pending()) {
            return null;
        }
        boolean full = fullWrite;
        long lastSeenMicros = fields.lastSeenMicros();
        LinkedHashSet<String> d = dirty();
        int n = full ? fields.size() + (lastSeenMicros != 0 ? 1 : 0) : d.size();
        String[] outNames = new String[n];
        String[] outValues = new String[n];
        int i = 0;
        if (full) {
            for (; i < fields.size(); i++) {
                outNames[i] = fields.name(i);
                outValues[i] = fields.value(i);
            }
        } else {
            for (String name : d) {
                if (!name.equals(ServerFields.LAST_SEEN)) {
                    outNames[i] = name;
                    outValues[i++] = fields.get(name);
                }
            }
        }
        if (lastSeenMicros != 0 && (full || d.contains(ServerFields.LAST_SEEN))) {
            outNames[i] = ServerFields.LAST_SEEN;
            outValues[i++] = Timestamps.format(lastSeenMicros);
        }
        String[] outDeleted = full || deleted == null ? NONE : deleted.toArray(NONE);
        discard();
        return new StoreWrite(
                id,
                version,
                full,
                false,
                trim(outNames, i),
                trim(outValues, i),
                outDeleted,
                disconnected,
                disconnectedAtMicros,
                since,
                ownership,
                fleet == null ? 0 : fleet.epoch());
    }

    /**
     * Takes back {@code w}, a write that did not reach the store, for a record now holding {@code fields}: its
     * fields count as changed again (with their current values, which may be newer), and a claim it carried waits
     * again in {@code fleet}.
     *
     * @return whether the record must be queued again (not when another node owns the client meanwhile)
     */
    boolean giveBack(StoreWrite w, @Nullable FleetOwnership fleet, ClientFields fields) {
        if (fleet != null) {
            fleet.writeFailed(w);
            if (fleet.remote()) {
                return false; // lost to another node meanwhile: nothing of ours to write
            }
        }
        if (w.dirtySinceNanos() != CLEAN && (dirtySinceNanos == CLEAN || w.dirtySinceNanos() - dirtySinceNanos < 0)) {
            dirtySinceNanos = w.dirtySinceNanos(); // the lag counts from the oldest change still unwritten
        }
        if (w.full() || w.delete()) {
            fullWrite = true;
        } else {
            LinkedHashSet<String> d = dirty();
            for (String name : w.names()) {
                if (name.equals(ServerFields.LAST_SEEN) || fields.containsKey(name)) {
                    d.add(name);
                }
            }
            for (String name : w.deleted()) {
                if (!fields.containsKey(name)) {
                    deleted().add(name);
                }
            }
        }
        return enqueue();
    }

    private LinkedHashSet<String> dirty() {
        if (dirty == null) {
            dirty = new LinkedHashSet<>();
        }
        return dirty;
    }

    private LinkedHashSet<String> deleted() {
        if (deleted == null) {
            deleted = new LinkedHashSet<>();
        }
        return deleted;
    }

    private static String[] trim(String[] a, int n) {
        return a.length == n ? a : Arrays.copyOf(a, n);
    }
}
