package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.internal.Utf8;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One client's state: its fields in insertion order (as Redis keeps a hash written with HSET), the connection
 * that holds its id, and a version that only grows (a hybrid clock: at least the wall-clock time in microseconds
 * and always above the previous version, so versions also grow across restarts and nodes).
 *
 * <p>When the store needs it ({@code tracked}), the record also remembers which fields changed since the last
 * write to the store: the write-behind takes them with {@link #takeStoreWrite()} and gives them back with
 * {@link #storeWriteFailed} when a write fails, so that nothing acknowledged is lost and a client costs one write
 * however many updates it sent in between.
 *
 * <p>Thread-safety: every method locks the record. Writers are the owning connection's event loop, operator
 * commands, the purge and the store; readers take {@link #snapshot()}s. The lock is held for the length of one
 * merge, never across I/O.
 */
public final class ClientRecord {
    private static final UpdateOutcome SUPERSEDED =
            UpdateOutcome.rejected("This connection was replaced by a newer connection for this client_id");

    /** No change waits for the store (see {@link #dirtySinceNanos}). */
    static final long CLEAN = Long.MIN_VALUE;

    private final String id;
    private final boolean tracked;
    /** The registry's count of connected clients, kept exact by the owner transitions below. */
    private final AtomicInteger connectedCount;

    private final LinkedHashMap<String, String> fields = new LinkedHashMap<>();
    private @Nullable ClientConnection owner;
    private long lastSeenMicros;
    private long disconnectedAtMicros;
    private long version;
    /** Client-owned fields (everything but {@link ServerFields#isServerOwned}). */
    private int clientFieldCount;
    /**
     * UTF-16 chars of client-owned names and values. UTF-8 takes at most three bytes per char, so the byte limit
     * needs an exact count only when three times this could exceed it; the common case costs a length read.
     */
    private long clientFieldChars;

    private boolean removed;

    // Store bookkeeping, used only when tracked.
    private @Nullable LinkedHashSet<String> dirty;
    private @Nullable LinkedHashSet<String> deleted;
    private boolean fullWrite;
    private boolean queued;
    /** When ({@link System#nanoTime()}) the oldest change not yet taken by the store was made, or {@link #CLEAN}. */
    private long dirtySinceNanos = CLEAN;

    ClientRecord(String id, boolean tracked, AtomicInteger connectedCount) {
        this.id = id;
        this.tracked = tracked;
        this.connectedCount = connectedCount;
        this.fullWrite = tracked; // its first write creates the whole hash
    }

    /** The client id, exactly as the client sent it. */
    public String id() {
        return id;
    }

    /** The connection holding the id, or {@code null} while disconnected. */
    public synchronized @Nullable ClientConnection owner() {
        return owner;
    }

    /** Grows with every change. */
    public synchronized long version() {
        return version;
    }

    synchronized boolean isRemoved() {
        return removed;
    }

    /**
     * Merges {@code update} for {@code conn}. A connection that does not hold the id yet registers it (taking it
     * over from any other connection): {@code connected}, {@code connect_time} and the owning node are set and a
     * previous {@code disconnect_time} / {@code status_detail} are cleared. Nothing changes when a limit would be
     * exceeded.
     *
     * @return the outcome, or {@code null} when this record was purged meanwhile and the caller must retry
     */
    @Nullable
    UpdateOutcome apply(
            ClientConnection conn, StatusUpdate update, LimitsConfig limits, String nodeId, long nowMicros) {
        synchronized (this) {
            if (removed) {
                return null;
            }
            String error = checkLimits(update, limits);
            if (error != null) {
                return UpdateOutcome.rejected(error);
            }
            boolean registering = owner != conn;
            if (registering) {
                if (conn.isSuperseded()) {
                    return SUPERSEDED; // a late message on a connection that lost the id must not take it back
                }
                if (owner != null) {
                    owner.superseded();
                } else {
                    connectedCount.incrementAndGet();
                }
                owner = conn;
                remove(ServerFields.DISCONNECT_TIME);
                remove(ServerFields.STATUS_DETAIL);
                disconnectedAtMicros = 0;
            }
            String[] names = update.names();
            String[] values = update.values();
            for (int i = 0; i < names.length; i++) {
                if (!ServerFields.isServerOwned(names[i])) {
                    putClientField(names[i], values[i]);
                }
            }
            if (registering) {
                put(ServerFields.CONNECTED, "true");
                put(ServerFields.CONNECT_TIME, Timestamps.format(nowMicros));
                put(ServerFields.GATEWAY_NODE, nodeId);
            }
            touch(nowMicros);
            return registering ? UpdateOutcome.REGISTERED : UpdateOutcome.UPDATED;
        }
    }

    private @Nullable String checkLimits(StatusUpdate update, LimitsConfig limits) {
        int addedFields = 0;
        long charsDelta = 0;
        String[] names = update.names();
        String[] values = update.values();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (ServerFields.isServerOwned(name)) {
                continue;
            }
            String old = fields.get(name);
            if (old == null) {
                addedFields++;
                charsDelta += name.length() + values[i].length();
            } else {
                charsDelta += values[i].length() - old.length();
            }
        }
        if (clientFieldCount + addedFields > limits.maxAttributesPerClient()) {
            return "Client " + id + " would hold " + (clientFieldCount + addedFields)
                    + " attributes, more than max-attributes-per-client (" + limits.maxAttributesPerClient()
                    + "); nothing was stored";
        }
        if ((clientFieldChars + charsDelta) * 3 > limits.maxClientStatusBytes()) {
            long bytes = utf8BytesAfter(update);
            if (bytes > limits.maxClientStatusBytes()) {
                return "Client " + id + " would hold " + bytes
                        + " bytes of status, more than max-client-status-bytes (" + limits.maxClientStatusBytes()
                        + "); nothing was stored";
            }
        }
        return null;
    }

    /** The exact UTF-8 bytes of the client-owned names and values once {@code update} is merged (the rare path). */
    private long utf8BytesAfter(StatusUpdate update) {
        Map<String, String> merged = new HashMap<>(fields);
        String[] names = update.names();
        for (int i = 0; i < names.length; i++) {
            if (!ServerFields.isServerOwned(names[i])) {
                merged.put(names[i], update.values()[i]);
            }
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : merged.entrySet()) {
            if (!ServerFields.isServerOwned(e.getKey())) {
                bytes += Utf8.length(e.getKey()) + Utf8.length(e.getValue());
            }
        }
        return bytes;
    }

    /** Records that {@code conn}, which holds the id, sent a message (valid or not). */
    synchronized boolean seen(ClientConnection conn, long nowMicros) {
        if (owner != conn) {
            return false;
        }
        touch(nowMicros);
        return true;
    }

    /**
     * Marks the client disconnected if {@code conn} still holds it.
     *
     * @return whether the record changed (false after a takeover)
     */
    synchronized boolean release(ClientConnection conn, DisconnectReason reason, long nowMicros) {
        if (owner != conn) {
            return false;
        }
        owner = null;
        connectedCount.decrementAndGet();
        markDisconnected(reason, nowMicros);
        return true;
    }

    private void markDisconnected(DisconnectReason reason, long nowMicros) {
        if (reason.clientState() != null) {
            putClientField(ServerFields.CLIENT_STATE, reason.clientState());
        }
        put(ServerFields.CONNECTED, "false");
        put(ServerFields.DISCONNECT_TIME, Timestamps.format(nowMicros));
        put(ServerFields.STATUS_DETAIL, reason.detail());
        disconnectedAtMicros = nowMicros;
        bump(nowMicros);
    }

    /** Writes {@code client_state} for a command that reached {@code conn}, if it still holds the id. */
    synchronized boolean commandDelivered(ClientConnection conn, String clientState, long nowMicros) {
        if (owner != conn) {
            return false;
        }
        putClientField(ServerFields.CLIENT_STATE, clientState);
        bump(nowMicros);
        return true;
    }

    /**
     * Fills a fresh record from the store at start-up: every field as stored, the stored version. A record that
     * says it is connected through {@code nodeId} was left behind by this node's previous run: it is marked
     * disconnected with {@code restartReason}.
     *
     * @return whether the record was marked disconnected (and so needs writing back)
     */
    synchronized boolean restore(
            Map<String, String> stored,
            long storedVersion,
            String nodeId,
            DisconnectReason restartReason,
            long nowMicros) {
        for (Map.Entry<String, String> e : stored.entrySet()) {
            String name = e.getKey();
            if (name.equals(ServerFields.LAST_SEEN)) {
                lastSeenMicros = Timestamps.parseMicros(e.getValue(), 0);
            } else if (!name.equals(ServerFields.GATEWAY_VERSION)) {
                if (ServerFields.isServerOwned(name)) {
                    fields.put(name, e.getValue());
                } else {
                    putClientField(name, e.getValue());
                }
            }
        }
        version = storedVersion;
        fullWrite = false; // Redis holds it as it is
        if ("false".equals(fields.get(ServerFields.CONNECTED))) {
            disconnectedAtMicros = Timestamps.parseMicros(fields.get(ServerFields.DISCONNECT_TIME), nowMicros);
        }
        if (tracked) {
            dirty().clear();
            deleted().clear();
            dirtySinceNanos = CLEAN;
        }
        if ("true".equals(fields.get(ServerFields.CONNECTED)) && nodeId.equals(fields.get(ServerFields.GATEWAY_NODE))) {
            markDisconnected(restartReason, nowMicros);
            return true;
        }
        return false;
    }

    /** Marks the record removed if it was disconnected before {@code cutoffMicros}; the caller unmaps it. */
    synchronized boolean expireIfDisconnectedBefore(long cutoffMicros) {
        if (owner == null && !removed && disconnectedAtMicros != 0 && disconnectedAtMicros < cutoffMicros) {
            removed = true;
            return true;
        }
        return false;
    }

    /** Marks an empty, unowned record removed (left behind by a rejected first message). */
    synchronized boolean removeIfEmpty() {
        if (owner == null && fields.isEmpty() && !removed) {
            removed = true;
            return true;
        }
        return false;
    }

    /** A consistent copy of the record; {@code last_seen} comes last. */
    public synchronized ClientSnapshot snapshot() {
        int n = fields.size() + (lastSeenMicros != 0 ? 1 : 0);
        String[] names = new String[n];
        String[] values = new String[n];
        int i = 0;
        for (Iterator<Map.Entry<String, String>> it = fields.entrySet().iterator(); it.hasNext(); i++) {
            Map.Entry<String, String> e = it.next();
            names[i] = e.getKey();
            values[i] = e.getValue();
        }
        if (lastSeenMicros != 0) {
            names[i] = ServerFields.LAST_SEEN;
            values[i] = Timestamps.format(lastSeenMicros);
        }
        return new ClientSnapshot(id, owner != null, names, values, version);
    }

    // ---- store write-behind

    /**
     * Claims a place in the store's queue: true the first time after the record was last taken, so a record is
     * queued at most once however often it changes.
     */
    public synchronized boolean markQueued() {
        return markQueuedLocked();
    }

    /** Asks for the whole record to be written (after Redis came back, possibly empty). */
    public synchronized void markFullWrite() {
        if (tracked && !removed) {
            fullWrite = true;
        }
    }

    /**
     * Takes what the store must write and leaves the queue: the changed fields (every field for a full write),
     * the fields removed since, and the version they carry. {@code null} when there is nothing to write.
     */
    public synchronized @Nullable StoreWrite takeStoreWrite() {
        queued = false;
        if (!tracked) {
            return null;
        }
        long since = dirtySinceNanos;
        dirtySinceNanos = CLEAN;
        LinkedHashSet<String> d = dirty();
        LinkedHashSet<String> del = deleted();
        if (removed) {
            // Purged before its last change reached the store: remove it there too, unless newer data is there.
            boolean pending = fullWrite || !d.isEmpty() || !del.isEmpty();
            d.clear();
            del.clear();
            fullWrite = false;
            return pending ? StoreWrite.delete(id, version, since) : null;
        }
        if (!fullWrite && d.isEmpty() && del.isEmpty()) {
            return null;
        }
        boolean full = fullWrite;
        Iterable<String> names = full ? fields.keySet() : d;
        int n = full ? fields.size() + (lastSeenMicros != 0 ? 1 : 0) : d.size();
        String[] outNames = new String[n];
        String[] outValues = new String[n];
        int i = 0;
        for (String name : names) {
            if (name.equals(ServerFields.LAST_SEEN)) {
                continue;
            }
            outNames[i] = name;
            outValues[i++] = fields.get(name);
        }
        if (lastSeenMicros != 0 && (full || d.contains(ServerFields.LAST_SEEN))) {
            outNames[i] = ServerFields.LAST_SEEN;
            outValues[i++] = Timestamps.format(lastSeenMicros);
        }
        String[] outDeleted = full ? new String[0] : del.toArray(new String[0]);
        d.clear();
        del.clear();
        fullWrite = false;
        return new StoreWrite(
                id,
                version,
                full,
                false,
                trim(outNames, i),
                trim(outValues, i),
                outDeleted,
                owner == null && disconnectedAtMicros != 0,
                disconnectedAtMicros,
                since);
    }

    /**
     * Gives back a write that did not reach the store: its fields count as changed again (with their current
     * values, which may be newer).
     *
     * @return whether the record must be queued again
     */
    public synchronized boolean storeWriteFailed(StoreWrite w) {
        if (!tracked) {
            return false;
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
        return markQueuedLocked();
    }

    private boolean markQueuedLocked() {
        if (queued) {
            return false;
        }
        queued = true;
        return true;
    }

    private static String[] trim(String[] a, int n) {
        return a.length == n ? a : Arrays.copyOf(a, n);
    }

    // ---- field bookkeeping

    private void touch(long nowMicros) {
        lastSeenMicros = nowMicros;
        if (tracked) {
            markDirtySince();
            dirty().add(ServerFields.LAST_SEEN);
        }
        bump(nowMicros);
    }

    private void bump(long nowMicros) {
        version = Math.max(version + 1, nowMicros);
    }

    /** Sets a field and marks it for the store; returns the value it replaced. */
    private @Nullable String put(String name, String value) {
        String old = fields.put(name, value);
        if (tracked) {
            markDirtySince();
            dirty().add(name);
            if (deleted != null) {
                deleted.remove(name);
            }
        }
        return old;
    }

    private void remove(String name) {
        if (fields.remove(name) != null && tracked) {
            dirty().remove(name);
            deleted().add(name);
        }
    }

    private void putClientField(String name, String value) {
        String old = put(name, value);
        if (old == null) {
            clientFieldCount++;
            clientFieldChars += name.length() + value.length();
        } else {
            clientFieldChars += value.length() - old.length();
        }
    }

    private void markDirtySince() {
        if (dirtySinceNanos == CLEAN) {
            dirtySinceNanos = System.nanoTime();
        }
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

    @Override
    public String toString() {
        return "ClientRecord[" + id + "]";
    }
}
