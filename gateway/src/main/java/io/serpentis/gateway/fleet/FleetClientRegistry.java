package io.serpentis.gateway.fleet;

import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandResult;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.UpdateOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A fleet member's registry as the HTTP routes see it: this node's registry, whose remote records make it the
 * fleet's view, with {@link #command} routed to the node that holds the client's connection. A client held here is
 * sent its command here; one whose record says it is connected to another member is sent it through that member
 * ({@link FleetCommands}), and if that member answers that it no longer holds the client while the view now names
 * another member, once more through that one. A client whose node is no longer a member (its lease ran out) is not
 * connected, as for a client that left.
 *
 * <p>Thread-safe; never blocks.
 */
final class FleetClientRegistry implements ClientRegistry {
    private final LocalClientRegistry local;
    private final FleetMembers members;
    private final FleetCommands commands;

    FleetClientRegistry(LocalClientRegistry local, FleetMembers members, FleetCommands commands) {
        this.local = local;
        this.members = members;
        this.commands = commands;
    }

    @Override
    public CompletionStage<CommandResult> command(String clientId, ClientCommand command, @Nullable String commandId) {
        return route(clientId, command, commandId, null);
    }

    /** Sends to whichever node holds the client; {@code tried} is the member tried already, if any. */
    private CompletionStage<CommandResult> route(
            String clientId, ClientCommand command, @Nullable String commandId, @Nullable String tried) {
        ClientRecord record = local.find(clientId);
        if (record == null) {
            return CompletableFuture.completedFuture(
                    tried == null ? CommandResult.UNKNOWN_CLIENT : CommandResult.NOT_CONNECTED);
        }
        if (!record.isRemote()) {
            return local.command(clientId, command, commandId); // held here, or ended here
        }
        String owner = record.field(ServerFields.GATEWAY_NODE);
        if (!record.connected()
                || owner == null
                || owner.equals(local.nodeId())
                || owner.equals(tried)
                || !holdsLease(owner)) {
            return CompletableFuture.completedFuture(CommandResult.NOT_CONNECTED);
        }
        return commands.send(owner, clientId, command, record.epoch(), commandId)
                .thenCompose(result -> {
                    if (tried == null
                            && (result == CommandResult.NOT_CONNECTED || result == CommandResult.UNKNOWN_CLIENT)) {
                        // It moved on meanwhile: the view may name its new node by now.
                        return route(clientId, command, commandId, owner);
                    }
                    return CompletableFuture.completedFuture(result);
                });
    }

    /** Whether {@code nodeId} is a member whose lease has not ended (as far as this node's clock tells). */
    private boolean holdsLease(String nodeId) {
        FleetMembers.Member m = members.member(nodeId);
        return m != null && m.leaseEndMillis() > System.currentTimeMillis();
    }

    // ---- the rest is the local registry's

    @Override
    public UpdateOutcome apply(ClientConnection conn, StatusUpdate update) {
        return local.apply(conn, update);
    }

    @Override
    public void seen(ClientConnection conn, String clientId) {
        local.seen(conn, clientId);
    }

    @Override
    public boolean release(ClientConnection conn, String clientId, DisconnectReason reason) {
        return local.release(conn, clientId, reason);
    }

    @Override
    public void commandDelivered(ClientConnection conn, String clientId, ClientCommand command) {
        local.commandDelivered(conn, clientId, command);
    }

    @Override
    public @Nullable ClientRecord find(String clientId) {
        return local.find(clientId);
    }

    @Override
    public void forEach(Consumer<ClientRecord> visitor) {
        local.forEach(visitor);
    }

    @Override
    public int size() {
        return local.size();
    }

    @Override
    public int connectedCount() {
        return local.connectedCount();
    }

    @Override
    public int fleetConnectedCount() {
        return local.fleetConnectedCount();
    }

    @Override
    public int purgeExpired() {
        return local.purgeExpired();
    }
}
