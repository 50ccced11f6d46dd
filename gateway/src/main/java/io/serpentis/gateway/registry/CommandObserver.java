package io.serpentis.gateway.registry;

/**
 * Told what becomes of the operator commands this node delivers to its own clients, for command receipts: the
 * frame written, the client's answer, the connection's end. Set on the {@link LocalClientRegistry} of the node that
 * holds the client, whichever node the operator asked. Implementations only record and return: they are called on
 * the connections' event loops.
 */
public interface CommandObserver {

    /** The frame of command {@code commandId} was written to {@code clientId}'s connection on this node. */
    void delivered(String commandId, String clientId, ClientCommand command);

    /** {@code clientId}, connected to this node, sent a status whose {@code acknowledged_command} is {@code value}. */
    void acknowledged(String clientId, String value);

    /** {@code clientId}'s connection on this node ended (a newer one taking the id over is no end). */
    void released(String clientId);
}
