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
 * <p>In a fleet ({@code fenced}), the record also keeps its client's ownership: the epoch (fencing token) this node
 * holds, whether its next write must claim the client (a registration here) or take it back for a new life of this
 * node, and whether another node owns it now ({@link #isRemote()}): a remote record is never written by this node.
 * A claim's answer sets the epoch ({@link #claimed}) before the record's next write is built; a write Redis refused
 * because another node claimed the client, or a kick from that node, ends the local connection's hold
 * ({@link #fence()}, {@link #kicked}); the connection is closed as superseded and no disconnect is recorded.
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
    /**
     * The registry's count of remote records whose client is connected (to another node), kept exact by
     * {@link #recountRemote()} after every change of {@code remote}, {@code removed} or the fields.
     */
    private final AtomicInteger remoteConnectedCount;
    /** Whether this record counts in {@link #remoteConnectedCount}. */
    private boolean countedRemote;

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

    /** Fleet mode: writes are fenced by the epoch the record holds, and a registration claims the client. */
    private final boolean fenced;
    // Fleet ownership, used only when fenced.
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

    // Store bookkeeping, used only when tracked.
    private @Nullable LinkedHashSet<String> dirty;
    private @Nullable LinkedHashSet<String> deleted;
    private boolean fullWrite;
    private boolean queued;
    /** When ({@link System#nanoTime()}) the oldest change not yet taken by the store was made, or {@link #CLEAN}. */
    private long dirtySinceNanos = CLEAN;

    ClientRecord(String id, boolean tracked, boolean fenced, AtomicInteger connectedCount) {
        this(id, tracked, fenced, connectedCount, new AtomicInteger());
    }

    ClientRecord(
            String id,
            boolean tracked,
            boolean fenced,
            AtomicInteger connectedCount,
            AtomicInteger remoteConnectedCount) {
        this.id = id;
        this.tracked = tracked;
        this.fenced = fenced && tracked;
        this.connectedCount = connectedCount;
        this.remoteConnectedCount = remoteConnectedCount;
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

    /** The fencing token this node holds for the client (fleet mode); 0 before its first claim. */
    public synchronized long epoch() {
        return epoch;
    }

    /**
     * Whether another node owns the client, or did last (fleet mode): the record came from Redis or a peer, or this
     * node lost the client to a newer connection elsewhere. This node never writes a remote record.
     */
    public synchronized boolean isRemote() {
        return remote;
    }

    /**
     * Whether the client is connected: to this node (a connection here holds it), or, for a remote record, to the
     * node that owns it, as that node's last data says ({@code connected} is {@code "true"}).
     */
    public synchronized boolean connected() {
        return isConnected();
    }

    private boolean isConnected() {
        return owner != null || (remote && "true".equals(fields.get(ServerFields.CONNECTED)));
    }

    /** Keeps {@link #remoteConnectedCount} exact; called after anything that may change what it counts. */
    private void recountRemote() {
        boolean counts = remote && !removed && owner == null && "true".equals(fields.get(ServerFields.CONNECTED));
        if (counts != countedRemote) {
            countedRemote = counts;
            if (counts) {
                remoteConnectedCount.incrementAndGet();
            } else {
                remoteConnectedCount.decrementAndGet();
            }
        }
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
                if (fenced) {
                    // The record is ours again whoever wrote it last; its next write claims the client, in full.
                    remote = false;
                    claimPending = true;
                    reclaimPending = false;
                    fullWrite = true;
                    recountRemote();
                }
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
        markDisconnected(reason, nowMicros, nowMicros);
        return true;
    }

    /**
     * Records the end of the client's connection: {@code disconnect_time} is {@code atMicros} (when it ended, or
     * its last sign of life when the end was not seen), the retention counts from {@code nowMicros}.
     */
    private void markDisconnected(DisconnectReason reason, long atMicros, long nowMicros) {
        if (reason.clientState() != null) {
            putClientField(ServerFields.CLIENT_STATE, reason.clientState());
        }
        put(ServerFields.CONNECTED, "false");
        put(ServerFields.DISCONNECT_TIME, Timestamps.format(atMicros));
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
     * Fills a fresh record from the store at start-up: every field as stored, the stored version (and epoch). In a
     * fleet the record is remote: whoever holds it (this node's previous life included) is the fleet's business;
     * except a record this node left connected before it was a fleet member (no epoch), marked as below.
     * Outside one, a record that says it is connected through {@code nodeId} was left behind by this node's previous
     * run: it is marked disconnected with {@code restartReason}, at its last sign of life ({@code last_seen}), never
     * at the time of the restart.
     *
     * @return whether the record was marked disconnected (and so needs writing back)
     */
    synchronized boolean restore(
            Map<String, String> stored,
            long storedVersion,
            String nodeId,
            DisconnectReason restartReason,
            long nowMicros) {
        load(stored, storedVersion, nowMicros);
        fullWrite = false; // Redis holds it as it is
        boolean leftConnectedHere = "true".equals(fields.get(ServerFields.CONNECTED))
                && nodeId.equals(fields.get(ServerFields.GATEWAY_NODE));
        if (fenced && (epoch != 0 || !leftConnectedHere)) {
            remote = true;
            recountRemote();
            return false;
        }
        if (fenced) {
            // Written by this node before it was a fleet member (no epoch): its restart, as outside a fleet, and the
            // record is claimed in its new state.
            claimPending = true;
            fullWrite = true;
        }
        if (leftConnectedHere) {
            markDisconnected(restartReason, lastSeenMicros != 0 ? lastSeenMicros : nowMicros, nowMicros);
            return true;
        }
        return false;
    }

    /** Replaces the fields with {@code stored} (a hash as Redis keeps it) and takes its version and epoch. */
    private void load(Map<String, String> stored, long storedVersion, long nowMicros) {
        fields.clear();
        clientFieldCount = 0;
        clientFieldChars = 0;
        lastSeenMicros = 0;
        for (Map.Entry<String, String> e : stored.entrySet()) {
            String name = e.getKey();
            if (name.equals(ServerFields.LAST_SEEN)) {
                lastSeenMicros = Timestamps.parseMicros(e.getValue(), 0);
            } else if (name.equals(ServerFields.GATEWAY_EPOCH)) {
                epoch = parseLong(e.getValue());
            } else if (!name.equals(ServerFields.GATEWAY_VERSION) && !name.equals(ServerFields.GATEWAY_INCARNATION)) {
                if (ServerFields.isServerOwned(name)) {
                    fields.put(name, e.getValue());
                } else {
                    putClientField(name, e.getValue());
                }
            }
        }
        version = storedVersion;
        disconnectedAtMicros = "false".equals(fields.get(ServerFields.CONNECTED))
                ? Timestamps.parseMicros(fields.get(ServerFields.DISCONNECT_TIME), nowMicros)
                : 0;
        if (tracked) {
            dirty().clear();
            deleted().clear();
            dirtySinceNanos = CLEAN;
        }
    }

    /**
     * Fleet mode: takes {@code stored}, the client's record as another node wrote it (read from Redis, or from a
     * peer), if it is newer by (epoch, version) than what this record holds and no local connection holds the
     * client or is about to claim it. The record is remote from then on.
     *
     * @return whether the record changed
     */
    synchronized boolean applyRemote(Map<String, String> stored, long nowMicros) {
        if (!fenced || removed || owner != null || claimPending || claimInFlight || reclaimPending) {
            return false;
        }
        long storedEpoch = parseLong(stored.get(ServerFields.GATEWAY_EPOCH));
        long storedVersion = parseLong(stored.get(ServerFields.GATEWAY_VERSION));
        if (storedEpoch < epoch || (storedEpoch == epoch && storedVersion <= version)) {
            return false;
        }
        load(stored, storedVersion, nowMicros);
        epoch = storedEpoch;
        remote = true;
        fullWrite = false;
        recountRemote();
        return true;
    }

    private static long parseLong(@Nullable String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Marks the record removed if it was disconnected before {@code cutoffMicros}; the caller unmaps it. */
    synchronized boolean expireIfDisconnectedBefore(long cutoffMicros) {
        if (owner == null && !removed && disconnectedAtMicros != 0 && disconnectedAtMicros < cutoffMicros) {
            removed = true;
            recountRemote();
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

    /** The value of field {@code name} ({@code last_seen} aside), without copying the record; or {@code null}. */
    public synchronized @Nullable String field(String name) {
        return fields.get(name);
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
        return new ClientSnapshot(id, isConnected(), names, values, version);
    }

    /**
     * What the fleet's feed publishes of this record: a fleet member's own record (not remote, not purged), with the
     * epoch this node holds; {@code null} otherwise. While a claim of the client is unanswered the epoch is not known
     * yet and the snapshot is not {@link OwnedSnapshot#settled() settled}: peers would drop it as older than what
     * they hold, so the publisher takes it again later.
     */
    public synchronized @Nullable OwnedSnapshot ownedSnapshot() {
        if (!fenced || remote || removed) {
            return null;
        }
        boolean settled = epoch != 0 && !claimPending && !claimInFlight && !reclaimPending;
        return new OwnedSnapshot(snapshot(), epoch, settled);
    }

    /**
     * A fleet member's record as it stands, with the epoch it carries, whoever owns it: for a record this node wrote
     * on another node's behalf (the clients of a lost node it marked offline), which its peers learn from this node.
     */
    public synchronized OwnedSnapshot fleetSnapshot() {
        return new OwnedSnapshot(snapshot(), epoch, true);
    }

    // ---- store write-behind

    /**
     * Claims a place in the store's queue: true the first time after the record was last taken, so a record is
     * queued at most once however often it changes. A remote record never is (its owner writes it; the fleet view
     * changes it often, and the writer has nothing to do for it).
     */
    public synchronized boolean markQueued() {
        return !remote && markQueuedLocked();
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
        if (remote) {
            // Another node owns the client: its record is that node's to write.
            d.clear();
            del.clear();
            fullWrite = false;
            return null;
        }
        if (removed) {
            // Purged before its last change reached the store: remove it there too, unless newer data is there.
            boolean pending = fullWrite || !d.isEmpty() || !del.isEmpty();
            d.clear();
            del.clear();
            fullWrite = false;
            if (fenced && epoch == 0) {
                return null; // never claimed: Redis holds nothing of this node's
            }
            return pending
                    ? StoreWrite.delete(
                            id, version, since, fenced ? StoreWrite.Ownership.FENCED : StoreWrite.Ownership.NONE, epoch)
                    : null;
        }
        StoreWrite.Ownership ownership = StoreWrite.Ownership.NONE;
        if (fenced) {
            if (claimPending || epoch == 0) {
                ownership = StoreWrite.Ownership.CLAIM;
            } else if (reclaimPending) {
                ownership = StoreWrite.Ownership.RECLAIM;
            } else {
                ownership = StoreWrite.Ownership.FENCED;
            }
            if (ownership != StoreWrite.Ownership.FENCED) {
                if (claimInFlight) {
                    // Its previous claim has not been answered (the writer gave it back unsent): it goes again.
                    claimInFlight = false;
                }
                claimPending = false;
                reclaimPending = false;
                claimInFlight = true;
                fullWrite = true; // a claim writes the whole record
            }
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
                since,
                ownership,
                epoch);
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
        if (w.claims()) {
            claimInFlight = false;
            if (w.ownership() == StoreWrite.Ownership.CLAIM) {
                claimPending = !remote;
            } else {
                reclaimPending = !remote && !claimPending;
            }
        }
        if (remote) {
            return false; // lost to another node meanwhile: nothing of ours to write
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

    // ---- fleet ownership (fenced records only)

    /**
     * A claim (or reclaim) of {@code w} succeeded: the record holds {@code newEpoch} from now on, and its next write
     * carries it.
     */
    public synchronized void claimed(long newEpoch) {
        claimInFlight = false;
        if (newEpoch > epoch) {
            epoch = newEpoch;
        }
    }

    /**
     * Redis found no record of this node's to write under its epoch (deleted, expired, lost in a failover, or an
     * older epoch than this node claimed): the next write claims the client again. The caller gives {@code w}
     * back ({@link #storeWriteFailed}), which queues the record.
     */
    public synchronized void claimAgain(StoreWrite w) {
        if (w.claims()) {
            claimInFlight = false;
        }
        if (fenced && !remote && !removed) {
            claimPending = true;
            fullWrite = true;
        }
    }

    /**
     * Another node owns the client now (Redis refused a write of this node's, or a claim with a newer connection
     * elsewhere): the local connection, if any, is superseded (it closes with 4001 and records no disconnect), and
     * the record becomes remote. Nothing happens while a registration here is about to claim the client: that
     * claim decides.
     *
     * @return whether the record changed
     */
    synchronized boolean fence() {
        claimInFlight = false; // a refused claim ends here; nothing else can be in flight with a fenced write
        if (!fenced || remote || claimPending) {
            return false;
        }
        reclaimPending = false;
        remote = true;
        fullWrite = false;
        if (tracked) {
            dirty().clear();
            deleted().clear();
            dirtySinceNanos = CLEAN;
        }
        if (owner != null) {
            ClientConnection lost = owner;
            owner = null;
            connectedCount.decrementAndGet();
            lost.superseded();
        }
        recountRemote();
        return true;
    }

    /**
     * The node that claimed the client with {@code claimEpoch} tells this one to let go. Honoured only when this
     * node's hold is older: a claim of its own still in flight, or a newer epoch held, decides otherwise.
     *
     * @return whether the record changed (the local connection was superseded)
     */
    synchronized boolean kicked(long claimEpoch) {
        if (!fenced || remote || claimPending || claimInFlight || reclaimPending || epoch >= claimEpoch) {
            return false;
        }
        return fence();
    }

    /**
     * This node starts a new life after the fleet declared it lost: a client whose connection is still open here is
     * taken back (its next write is a reclaim under the new incarnation); one that ended while the node was gone is
     * left to what the fleet recorded.
     *
     * @return whether the record must be written (queue it)
     */
    synchronized boolean reclaimForNewLife() {
        if (!fenced || remote || removed) {
            return false;
        }
        if (claimPending) {
            return true; // its claim takes the new incarnation anyway
        }
        if (owner == null) {
            remote = true;
            fullWrite = false;
            if (tracked) {
                dirty().clear();
                deleted().clear();
                dirtySinceNanos = CLEAN;
            }
            recountRemote();
            return false;
        }
        reclaimPending = true;
        fullWrite = true;
        return true;
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
