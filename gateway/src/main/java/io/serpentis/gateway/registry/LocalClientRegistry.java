package io.serpentis.gateway.registry;

import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.internal.Timestamps;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The registry of one gateway node: a concurrent map from client id to {@link ClientRecord}. Map operations are
 * lock-free; each record has its own lock (see {@link ClientRecord}).
 */
public final class LocalClientRegistry implements ClientRegistry {
    private final ConcurrentHashMap<String, ClientRecord> clients = new ConcurrentHashMap<>();
    private final LimitsConfig limits;
    private final RegistryConfig config;
    private final LongSupplier clock;
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param limits what a client may store
     * @param config retention of departed clients
     * @param clock wall-clock time in epoch microseconds (tests pass their own)
     */
    public LocalClientRegistry(LimitsConfig limits, RegistryConfig config, LongSupplier clock) {
        this.limits = limits;
        this.config = config;
        this.clock = clock;
    }

    public LocalClientRegistry(LimitsConfig limits, RegistryConfig config) {
        this(limits, config, Timestamps::nowMicros);
    }

    /** Adds a listener told about every change from now on. */
    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    @Override
    public UpdateOutcome apply(ClientConnection conn, StatusUpdate update) {
        long now = clock.getAsLong();
        for (;;) {
            ClientRecord record = clients.computeIfAbsent(update.clientId(), ClientRecord::new);
            UpdateOutcome outcome = record.apply(conn, update, limits, now);
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
            return outcome;
        }
    }

    @Override
    public void seen(ClientConnection conn, String clientId) {
        ClientRecord record = clients.get(clientId);
        if (record != null) {
            record.seen(conn, clock.getAsLong());
            notifyChanged(record);
        }
    }

    @Override
    public boolean release(ClientConnection conn, String clientId, DisconnectReason reason) {
        ClientRecord record = clients.get(clientId);
        if (record != null && record.release(conn, reason, clock.getAsLong())) {
            notifyChanged(record);
            return true;
        }
        return false;
    }

    @Override
    public CompletionStage<CommandResult> command(String clientId, ClientCommand command) {
        ClientRecord record = clients.get(clientId);
        if (record == null) {
            return CompletableFuture.completedFuture(CommandResult.UNKNOWN_CLIENT);
        }
        ClientConnection owner = record.owner();
        if (owner == null) {
            return CompletableFuture.completedFuture(CommandResult.NOT_CONNECTED);
        }
        return owner.deliver(command);
    }

    @Override
    public void commandDelivered(ClientConnection conn, String clientId, ClientCommand command) {
        String state = command.clientState();
        ClientRecord record = clients.get(clientId);
        if (state != null && record != null && record.commandDelivered(conn, state)) {
            notifyChanged(record);
        }
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
