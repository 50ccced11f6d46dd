package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Timestamps;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The registry of one gateway node: a concurrent map from client id to {@link ClientRecord}. Map operations are
 * lock-free; each record has its own lock (see {@link ClientRecord}).
 */
public final class LocalClientRegistry implements ClientRegistry {
    /** The status attribute with which a client acknowledges a command (the original's reference client). */
    public static final String ACKNOWLEDGED_COMMAND = "acknowledged_command";

    private final ConcurrentHashMap<String, ClientRecord> clients = new ConcurrentHashMap<>();
    private final LimitsConfig limits;
    private final RegistryConfig config;
    private final LongSupplier clock;
    private final String nodeId;
    private final boolean trackStoreChanges;
    private final boolean fenced;
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();
    /** Records whose client is connected; kept by the records' owner transitions, so reading it scans nothing. */
    private final AtomicInteger connected = new AtomicInteger();
    /** Remote records whose client is connected to another node (fleet mode), kept by the records likewise. */
    private final AtomicInteger remoteConnected = new AtomicInteger();
    /** Told about the commands delivered here and their clients' answers (command receipts), if anyone listens. */
    private volatile @Nullable CommandObserver commandObserver;

    /**
     * @param limits what a client may store
     * @param config retention of departed clients
     * @param nodeId this gateway node's id, kept in each record it registers
     * @param trackStoreChanges whether records remember what changed for a write-behind store
     * @param clock wall-clock time in epoch microseconds (tests pass their own)
     */
    public LocalClientRegistry(
            LimitsConfig limits, RegistryConfig config, String nodeId, boolean trackStoreChanges, LongSupplier clock) {
        this(limits, config, nodeId, trackStoreChanges, false, clock);
    }

    /**
     * @param limits what a client may store
     * @param config retention of departed clients
     * @param nodeId this gateway node's id, kept in each record it registers
     * @param trackStoreChanges whether records remember what changed for a write-behind store
     * @param fenced whether the node is a fleet member: records keep their ownership (epoch, claims, remote
     *     records), see {@link ClientRecord}; only with {@code trackStoreChanges}
     * @param clock wall-clock time in epoch microseconds (tests pass their own)
     */
    public LocalClientRegistry(
            LimitsConfig limits,
            RegistryConfig config,
            String nodeId,
            boolean trackStoreChanges,
            boolean fenced,
            LongSupplier clock) {
        this.limits = limits;
        this.config = config;
        this.nodeId = nodeId;
        this.trackStoreChanges = trackStoreChanges;
        this.fenced = fenced && trackStoreChanges;
        this.clock = clock;
    }

    /** A registry for the embedded store (no change tracking), on the wall clock. */
    public LocalClientRegistry(LimitsConfig limits, RegistryConfig config, String nodeId) {
        this(limits, config, nodeId, false, Timestamps::nowMicros);
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** Whether the node is a fleet member (records keep their ownership). */
    public boolean fenced() {
        return fenced;
    }

    /** Sets the observer of the commands this node delivers and of its clients' acknowledgements. */
    public void commandObserver(CommandObserver observer) {
        this.commandObserver = observer;
    }

    /** Adds a listener told about every change from now on. */
    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    @Override
    public UpdateOutcome apply(ClientConnection conn, StatusUpdate update) {
        long now = clock.getAsLong();
        for (; ; ) {
            ClientRecord record = clients.get(update.clientId()); // no bin lock on the common path
            if (record == null) {
                record = clients.computeIfAbsent(update.clientId(), this::newRecord);
            }
            UpdateOutcome outcome = record.apply(conn, update, limits, nodeId, now);
            if (outcome == null) {
                clients.remove(update.clientId(), record); // purged under us: make progress
                continue;
            }
            if (outcome.kind() == UpdateOutcome.Kind.REJECTED) {
                if (record.removeIfEmpty()) {
                    clients.remove(update.clientId(), record);
                }
                return outcome;
            }
            notifyChanged(record);
            CommandObserver observer = commandObserver;
            if (observer != null) {
                String ack = acknowledgedCommand(update);
                if (ack != null) {
                    observer.acknowledged(update.clientId(), ack);
                }
            }
            return outcome;
        }
    }

    /** The update's {@code acknowledged_command}, or {@code null}. */
    private static @Nullable String acknowledgedCommand(StatusUpdate update) {
        String[] names = update.names();
        for (int i = 0; i < names.length; i++) {
            if (ACKNOWLEDGED_COMMAND.equals(names[i])) {
                return update.values()[i];
            }
        }
        return null;
    }

    @Override
    public void seen(ClientConnection conn, String clientId) {
        ClientRecord record = clients.get(clientId);
        if (record != null && record.seen(conn, clock.getAsLong())) {
            notifyChanged(record);
        }
    }

    @Override
    public boolean release(ClientConnection conn, String clientId, DisconnectReason reason) {
        ClientRecord record = clients.get(clientId);
        if (record != null && record.release(conn, reason, clock.getAsLong())) {
            notifyChanged(record);
            CommandObserver observer = commandObserver;
            if (observer != null) {
                observer.released(clientId);
            }
            return true;
        }
        return false;
    }

    @Override
    public CompletionStage<CommandResult> command(String clientId, ClientCommand command, @Nullable String commandId) {
        ClientRecord record = clients.get(clientId);
        if (record == null) {
            return CompletableFuture.completedFuture(CommandResult.UNKNOWN_CLIENT);
        }
        ClientConnection owner = record.owner();
        if (owner == null) {
            return CompletableFuture.completedFuture(CommandResult.NOT_CONNECTED);
        }
        CommandObserver observer = commandObserver;
        if (commandId == null || observer == null) {
            return owner.deliver(command);
        }
        // In the write's listener: the frame is out, this node holds the client, and its acknowledgement cannot
        // have been read yet (attached to the returned stage, this could run after it was).
        return owner.deliver(command, () -> observer.delivered(commandId, clientId, command));
    }

    @Override
    public void commandDelivered(ClientConnection conn, String clientId, ClientCommand command) {
        String state = command.clientState();
        ClientRecord record = clients.get(clientId);
        if (state != null && record != null && record.commandDelivered(conn, state, clock.getAsLong())) {
            notifyChanged(record);
        }
    }

    /**
     * Adds a record read from the store at start-up, unless a client already registered under that id (live state
     * wins over stored state). A record this node had left connected is marked disconnected with
     * {@code restartReason}.
     *
     * @return whether a record was added
     */
    public boolean restore(
            String clientId, Map<String, String> stored, long storedVersion, DisconnectReason restartReason) {
        // Filled before it is published: a client registering meanwhile (a load after Redis came back late) either
        // finds no record and creates its own, which wins, or finds this one complete.
        ClientRecord fresh = newRecord(clientId);
        boolean markedDisconnected = fresh.restore(stored, storedVersion, nodeId, restartReason, clock.getAsLong());
        if (clients.putIfAbsent(clientId, fresh) != null) {
            return false;
        }
        if (markedDisconnected) {
            notifyChanged(fresh);
        }
        return true;
    }

    private ClientRecord newRecord(String clientId) {
        return new ClientRecord(clientId, trackStoreChanges, fenced, connected, remoteConnected);
    }

    // ---- fleet ownership

    /**
     * Another node owns {@code record}'s client now (Redis refused this node's write): its local connection, if
     * any, is superseded (close 4001, no disconnect recorded) and the record is no longer written by this node.
     *
     * @return whether the record changed
     */
    public boolean fenced(ClientRecord record) {
        if (record.fence()) {
            notifyChanged(record);
            return true;
        }
        return false;
    }

    /**
     * The node that claimed {@code clientId} with {@code claimEpoch} tells this one to let go: the local connection
     * is superseded if this node's hold is older (see {@link ClientRecord#kicked}).
     *
     * @return whether a local connection was superseded
     */
    public boolean kicked(String clientId, long claimEpoch) {
        ClientRecord record = clients.get(clientId);
        if (record != null && record.kicked(claimEpoch)) {
            notifyChanged(record);
            return true;
        }
        return false;
    }

    /**
     * Takes {@code stored}, the client's record as another node wrote it (a hash as Redis keeps it), if it is newer
     * by (epoch, version) than what this node holds and no local connection holds the client; a record for an id
     * this node did not know is added (remote). Fleet mode only.
     *
     * @return whether the registry changed
     */
    public boolean applyRemote(String clientId, Map<String, String> stored) {
        if (!fenced || stored.isEmpty()) {
            return false;
        }
        long now = clock.getAsLong();
        for (; ; ) {
            ClientRecord record = clients.get(clientId);
            if (record == null) {
                ClientRecord fresh = newRecord(clientId);
                if (!fresh.applyRemote(stored, now)) {
                    return false;
                }
                if (clients.putIfAbsent(clientId, fresh) == null) {
                    notifyChanged(fresh);
                    return true;
                }
                continue; // registered meanwhile: apply to that one
            }
            if (record.isRemoved()) {
                clients.remove(clientId, record);
                continue;
            }
            if (record.applyRemote(stored, now)) {
                notifyChanged(record);
                return true;
            }
            return false;
        }
    }

    /**
     * This node starts a new life after the fleet declared it lost: every client whose connection is still open
     * here is taken back under the new incarnation ({@link ClientRecord#reclaimForNewLife}); {@code queue} gets each
     * record to write. The others are left to what the fleet recorded.
     *
     * @return how many records were queued
     */
    public int reclaimForNewLife(Consumer<ClientRecord> queue) {
        int n = 0;
        for (ClientRecord record : clients.values()) {
            if (record.reclaimForNewLife()) {
                queue.accept(record);
                n++;
            }
        }
        return n;
    }

    @Override
    public @Nullable ClientRecord find(String clientId) {
        return clients.get(clientId);
    }

    @Override
    public void forEach(Consumer<ClientRecord> visitor) {
        clients.values().forEach(visitor);
    }

    @Override
    public int size() {
        return clients.size();
    }

    @Override
    public int connectedCount() {
        return connected.get();
    }

    @Override
    public int fleetConnectedCount() {
        return connected.get() + remoteConnected.get();
    }

    @Override
    public int purgeExpired() {
        long cutoff = clock.getAsLong() - config.retention().toNanos() / 1_000;
        int purged = 0;
        for (ClientRecord record : clients.values()) {
            if (record.expireIfDisconnectedBefore(cutoff)) {
                clients.remove(record.id(), record);
                purged++;
                for (RegistryListener l : listeners) {
                    l.removed(record);
                }
            }
        }
        return purged;
    }

    private void notifyChanged(ClientRecord record) {
        for (RegistryListener l : listeners) {
            l.changed(record);
        }
    }
}
