package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.internal.Timestamps;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One client's state: its fields in insertion order (as Redis keeps a hash written with HSET), the connection
 * that holds its id, and a version that only grows (a hybrid clock: at least the wall-clock time in microseconds
 * and always above the previous version, so versions also grow across restarts and nodes).
 *
 * <p>When the store needs it ({@code tracked}), the record also remembers which fields changed since the last
 * write to the store ({@link StoreChanges}): the write-behind takes them with {@link #takeStoreWrite()} and gives
 * them back with {@link #storeWriteFailed} when a write fails, so that nothing acknowledged is lost.
 *
 * <p>In a fleet ({@code fenced}), the record also keeps its client's ownership ({@link FleetOwnership}): the
 * epoch (fencing token) this node holds, the claims under way, and whether another node owns it now
 * ({@link #isRemote()}; a remote record is never written by this node). A claim's answer sets the epoch
 * ({@link #claimed}) before the record's next write is built; a write Redis refused because another node claimed the
 * client, or a kick from that node, ends the local connection's hold ({@link #fence()}, {@link #kicked}): it is
 * closed as superseded and no disconnect is recorded.
 *
 * <p>Thread-safety: every method locks the record. Writers are the owning connection's event loop, operator
 * commands, the purge and the store; readers take {@link #snapshot()}s. The lock is held for the length of one
 * merge, never across I/O. The store and fleet state it holds have no lock of their own: they are the record's,
 * guarded by its monitor.
 */
public final class ClientRecord {
    private static final UpdateOutcome SUPERSEDED =
            UpdateOutcome.rejected("This connection was replaced by a newer connection for this client_id");

    private final String id;
    /** The registry's count of connected clients, kept exact by the owner transitions below. */
    private final AtomicInteger connectedCount;

    private final ClientFields fields = new ClientFields();
    private @Nullable ClientConnection owner;
    private long disconnectedAtMicros;
    private long version;

    private boolean removed;

    /** What the store has not written yet; {@code null} unless tracked. */
    private final @Nullable StoreChanges changes;
    /** Fleet mode (fenced and tracked): the epoch that fences writes, claimed on registration; else {@code null}. */
    private final @Nullable FleetOwnership fleet;

    ClientRecord(
            String id,
            boolean tracked,
            boolean fenced,
            AtomicInteger connectedCount,
            AtomicInteger remoteConnectedCount) {
        this.id = id;
        this.changes = tracked ? new StoreChanges() : null;
        this.fleet = fenced && tracked ? new FleetOwnership(remoteConnectedCount) : null;
        this.connectedCount = connectedCount;
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
        return fleet == null ? 0 : fleet.epoch();
    }

    /**
     * Whether another node owns the client, or did last (fleet mode): the record came from Redis or a peer, or this
     * node lost the client to a newer connection elsewhere. This node never writes a remote record.
     */
    public synchronized boolean isRemote() {
        return remote();
    }

    private boolean remote() {
        return fleet != null && fleet.remote();
    }

    /** Another node owns the client (or did last): nothing of the record is this node's to write. */
    private void becomeRemote() {
        if (fleet != null) {
            fleet.becomeRemote();
            if (changes != null) {
                changes.discard();
            }
            recountRemote();
        }
    }

    /**
     * Whether the client is connected: to this node (a connection here holds it), or, for a remote record, to the
     * node that owns it, as that node's last data says ({@code connected} is {@code "true"}).
     */
    public synchronized boolean connected() {
        return isConnected();
    }

    private boolean isConnected() {
        return owner != null || (remote() && "true".equals(fields.get(ServerFields.CONNECTED)));
    }

    /** Keeps the registry's count of connected remote records exact; after anything that may change it. */
    private void recountRemote() {
        if (fleet != null) {
            fleet.recount(removed, owner != null, "true".equals(fields.get(ServerFields.CONNECTED)));
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
            String error = fields.checkLimits(id, update, limits);
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
                fields.unset(ServerFields.DISCONNECT_TIME, changes);
                fields.unset(ServerFields.STATUS_DETAIL, changes);
                disconnectedAtMicros = 0;
                if (fleet != null) {
                    // The record is ours again whoever wrote it last; its next write claims the client, in full.
                    fleet.claim();
                    requestFullWrite();
                    recountRemote();
                }
            }
            if (fields.isEmpty()) {
                fields.reserve(update.names().length + (registering ? 3 : 0)); // one array for a new client's fields
            }
            fields.merge(update, changes);
            if (registering) {
                fields.set(ServerFields.CONNECTED, "true", changes);
                fields.set(ServerFields.CONNECT_TIME, Timestamps.format(nowMicros), changes);
                fields.set(ServerFields.GATEWAY_NODE, nodeId, changes);
            }
            touch(nowMicros);
            return registering ? UpdateOutcome.registered(version) : UpdateOutcome.updated(version);
        }
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
            fields.setClient(ServerFields.CLIENT_STATE, reason.clientState(), changes);
        }
        fields.set(ServerFields.CONNECTED, "false", changes);
        fields.set(ServerFields.DISCONNECT_TIME, Timestamps.format(atMicros), changes);
        fields.set(ServerFields.STATUS_DETAIL, reason.detail(), changes);
        disconnectedAtMicros = nowMicros;
        bump(nowMicros);
    }

    /** Writes {@code client_state} for a command that reached {@code conn}, if it still holds the id. */
    synchronized boolean commandDelivered(ClientConnection conn, String clientState, long nowMicros) {
        if (owner != conn) {
            return false;
        }
        fields.setClient(ServerFields.CLIENT_STATE, clientState, changes);
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
        load(stored, storedVersion, nowMicros); // Redis holds it as it is
        boolean leftConnectedHere = "true".equals(fields.get(ServerFields.CONNECTED))
                && nodeId.equals(fields.get(ServerFields.GATEWAY_NODE));
        if (fleet != null) {
            if (fleet.epoch() != 0 || !leftConnectedHere) {
                becomeRemote();
                return false;
            }
            // Written by this node before it was a fleet member (no epoch): its restart, as outside a fleet, and the
            // record is claimed in its new state.
            fleet.claim();
            requestFullWrite();
        }
        if (leftConnectedHere) {
            long lastSeen = fields.lastSeenMicros();
            markDisconnected(restartReason, lastSeen != 0 ? lastSeen : nowMicros, nowMicros);
            return true;
        }
        return false;
    }

    /** Replaces the fields with {@code stored} (a hash as Redis keeps it) and takes its version and epoch. */
    private void load(Map<String, String> stored, long storedVersion, long nowMicros) {
        fields.load(stored);
        String storedEpoch = stored.get(ServerFields.GATEWAY_EPOCH);
        if (fleet != null && storedEpoch != null) {
            fleet.loaded(ServerFields.longValue(storedEpoch));
        }
        version = storedVersion;
        disconnectedAtMicros = "false".equals(fields.get(ServerFields.CONNECTED))
                ? Timestamps.parseMicros(fields.get(ServerFields.DISCONNECT_TIME), nowMicros)
                : 0;
        if (changes != null) {
            changes.discard();
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
        FleetOwnership fleet = this.fleet;
        if (fleet == null || removed || owner != null || fleet.acquiring()) {
            return false;
        }
        long storedEpoch = ServerFields.longValue(stored.get(ServerFields.GATEWAY_EPOCH));
        long storedVersion = ServerFields.longValue(stored.get(ServerFields.GATEWAY_VERSION));
        if (!fleet.olderThan(storedEpoch, storedVersion, version)) {
            return false;
        }
        load(stored, storedVersion, nowMicros);
        fleet.loaded(storedEpoch);
        becomeRemote();
        return true;
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
        return fields.snapshot(id, isConnected(), version);
    }

    /**
     * What the fleet's feed publishes of this record: a fleet member's own record (not remote, not purged), with the
     * epoch this node holds; {@code null} otherwise. While a claim of the client is unanswered the epoch is not known
     * yet and the snapshot is not {@link OwnedSnapshot#settled() settled}: peers would drop it as older than what
     * they hold, so the publisher takes it again later.
     */
    public synchronized @Nullable OwnedSnapshot ownedSnapshot() {
        if (fleet == null || fleet.remote() || removed) {
            return null;
        }
        return new OwnedSnapshot(snapshot(), fleet.epoch(), fleet.settled());
    }

    /**
     * A fleet member's record as it stands, with the epoch it carries, whoever owns it: for a record this node wrote
     * on another node's behalf (the clients of a lost node it marked offline), which its peers learn from this node.
     */
    public synchronized OwnedSnapshot fleetSnapshot() {
        return new OwnedSnapshot(snapshot(), epoch(), true);
    }

    // ---- store write-behind

    /**
     * Claims a place in the store's queue: true the first time after the record was last taken, so a record is
     * queued at most once however often it changes. A remote record never is (its owner writes it; the fleet view
     * changes it often, and the writer has nothing to do for it), nor one whose changes are not tracked.
     */
    public synchronized boolean markQueued() {
        return changes != null && !remote() && changes.enqueue();
    }

    /** Asks for the whole record to be written (after Redis came back, possibly empty). */
    public synchronized void markFullWrite() {
        if (!removed) {
            requestFullWrite();
        }
    }

    private void requestFullWrite() {
        if (changes != null) {
            changes.requestFull();
        }
    }

    /**
     * Takes what the store must write and leaves the queue: the changed fields (every field for a full write),
     * the fields removed since, and the version they carry. {@code null} when there is nothing to write.
     */
    public synchronized @Nullable StoreWrite takeStoreWrite() {
        return changes == null
                ? null
                : changes.take(
                        id,
                        version,
                        removed,
                        fleet,
                        fields,
                        disconnectedAtMicros,
                        owner == null && disconnectedAtMicros != 0);
    }

    /**
     * Gives back a write that did not reach the store: its fields count as changed again (with their current
     * values, which may be newer).
     *
     * @return whether the record must be queued again
     */
    public synchronized boolean storeWriteFailed(StoreWrite w) {
        return changes != null && changes.giveBack(w, fleet, fields);
    }

    // ---- fleet ownership (fenced records only)

    /**
     * A claim (or reclaim) of {@code w} succeeded: the record holds {@code newEpoch} from now on, and its next write
     * carries it.
     */
    public synchronized void claimed(long newEpoch) {
        if (fleet != null) {
            fleet.claimed(newEpoch);
        }
    }

    /**
     * Redis found no record of this node's to write under its epoch (deleted, expired, lost in a failover, or an
     * older epoch than this node claimed): the next write claims the client again. The caller gives {@code w}
     * back ({@link #storeWriteFailed}), which queues the record.
     */
    public synchronized void claimAgain(StoreWrite w) {
        if (fleet != null && fleet.claimAgain(w, removed)) {
            requestFullWrite();
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
        if (fleet == null || !fleet.fence()) {
            return false;
        }
        ClientConnection lost = owner;
        if (lost != null) {
            owner = null;
            connectedCount.decrementAndGet();
            lost.superseded();
        }
        becomeRemote();
        return true;
    }

    /**
     * The node that claimed the client with {@code claimEpoch} tells this one to let go. Honoured only when this
     * node's hold is older: a claim of its own still in flight, or a newer epoch held, decides otherwise.
     *
     * @return whether the record changed (the local connection was superseded)
     */
    synchronized boolean kicked(long claimEpoch) {
        return fleet != null && fleet.yieldsTo(claimEpoch) && fence();
    }

    /**
     * This node starts a new life after the fleet declared it lost: a client whose connection is still open here is
     * taken back (its next write is a reclaim under the new incarnation); one that ended while the node was gone is
     * left to what the fleet recorded.
     *
     * @return whether the record must be written (queue it)
     */
    synchronized boolean reclaimForNewLife() {
        if (fleet == null || fleet.remote() || removed) {
            return false;
        }
        if (fleet.claimPending()) {
            return true; // its claim takes the new incarnation anyway
        }
        if (owner == null) {
            becomeRemote();
            return false;
        }
        fleet.reclaim();
        requestFullWrite();
        return true;
    }

    private void touch(long nowMicros) {
        fields.touch(nowMicros, changes);
        bump(nowMicros);
    }

    private void bump(long nowMicros) {
        version = Math.max(version + 1, nowMicros);
    }

    @Override
    public String toString() {
        return "ClientRecord[" + id + "]";
    }
}
