package io.serpentis.gateway.registry;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Every client this gateway knows: the live state of the clients connected to it and the records of those that
 * left, until they are purged. All methods are thread-safe and never block on I/O; a cluster-aware
 * implementation can route {@link #command} to the node that holds the client.
 */
public interface ClientRegistry {

    /**
     * Merges {@code update}, sent on {@code conn}, into the client's record, registering the id for {@code conn}
     * first if needed (taking it over from an older connection, which is then {@link ClientConnection#superseded
     * superseded}).
     */
    UpdateOutcome apply(ClientConnection conn, StatusUpdate update);

    /** Records that {@code conn}, holding {@code clientId}, sent a message (updates {@code last_seen}). */
    void seen(ClientConnection conn, String clientId);

    /**
     * Marks {@code clientId} disconnected with {@code reason}, if {@code conn} still holds it. Called exactly once
     * per connection end.
     *
     * @return whether the record changed (false when another connection took the id over)
     */
    boolean release(ClientConnection conn, String clientId, DisconnectReason reason);

    /** Sends {@code command} to the connection that holds {@code clientId}, without a receipt. */
    default CompletionStage<CommandResult> command(String clientId, ClientCommand command) {
        return command(clientId, command, null);
    }

    /**
     * Sends {@code command} to the connection that holds {@code clientId}, on whichever node: the node that holds it
     * tells its {@link CommandObserver} that command {@code commandId} was delivered (when there is an id).
     */
    CompletionStage<CommandResult> command(String clientId, ClientCommand command, @Nullable String commandId);

    /** Records the {@code client_state} of a command that was written to {@code conn}. */
    void commandDelivered(ClientConnection conn, String clientId, ClientCommand command);

    /** The record of {@code clientId}, or {@code null}. */
    @Nullable
    ClientRecord find(String clientId);

    /** Visits every record (weakly consistent: records added or removed meanwhile may or may not be seen). */
    void forEach(Consumer<ClientRecord> visitor);

    /** The number of records, connected or not. */
    int size();

    /** The number of records whose client is connected to this node now; cheap (no scan). */
    int connectedCount();

    /**
     * The number of records whose client is connected to any node of the fleet, as this node's view of the fleet
     * has it (its own clients and the remote records that say connected); cheap (no scan). Outside a fleet, the
     * same as {@link #connectedCount()}.
     */
    default int fleetConnectedCount() {
        return connectedCount();
    }

    /** Removes the records of clients disconnected for longer than the retention; returns how many. */
    int purgeExpired();
}
