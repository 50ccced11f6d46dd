package io.serpentis.gateway.registry;

import java.util.concurrent.CompletionStage;

/**
 * A live connection that holds a client id, as the registry sees it. Implemented by the WebSocket session;
 * the registry never touches the network itself. Every method may be called from any thread and must return
 * without blocking: implementations hop to their own event loop.
 */
public interface ClientConnection {

    /** A short id for logs (the channel's short id). */
    String connectionId();

    /**
     * A newer connection took over this connection's client id. The connection closes with a code of its own
     * and does not mark the client disconnected (PROTOCOL.md section 7, row 5). Called under the record's lock:
     * implementations set a flag and hand the close to their event loop, nothing more.
     */
    void superseded();

    /** Whether {@link #superseded()} was called; such a connection can never register again. */
    boolean isSuperseded();

    /**
     * The gateway is cut off from Redis while a peer of its fleet is not: the connection closes (1012) so that its
     * client reconnects to a healthy node, and the client is recorded as disconnected
     * ({@link DisconnectReason#ISOLATED}). Returns at once; implementations hop to their event loop.
     */
    void isolated();

    /**
     * Writes {@code command} to the client.
     *
     * @return completes with {@link CommandResult#SENT} once the frame is written, or says why it was not
     */
    default CompletionStage<CommandResult> deliver(ClientCommand command) {
        return deliver(command, () -> {});
    }

    /**
     * {@link #deliver(ClientCommand)}, running {@code written} once the frame is written and before anything the
     * client sends after it is read: for a hook that must see the command out before its acknowledgement can come
     * back (attached to the returned stage instead, it could run after, if the stage completed before it was
     * attached). Runs on the connection's event loop, and not at all when the frame was not written.
     */
    CompletionStage<CommandResult> deliver(ClientCommand command, Runnable written);

    /**
     * The store holds this connection's client at {@code version} or newer ({@link UpdateOutcome#version()}): with
     * durable acknowledgements, every update up to it may be acknowledged now. Called by the store's writer, never
     * under the record's lock; returns at once (implementations hop to their event loop). By default nothing
     * happens (the acks went out when the updates were applied).
     */
    default void stored(long version) {}
}
