package io.serpentis.gateway.ws;

import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.ws.WsCloseHandshake.Initiator;

/**
 * What the status protocol's connections report as they work, in this package's own words. The metrics package
 * implements it and turns each event into a meter (reactor-netty's {@code ChannelMetricsRecorder} shape), so the
 * WebSocket code needs neither Micrometer nor the metrics package, and the tag words ({@link RejectKind},
 * {@link PolicyClose}, ...) live here, next to the code that chooses them.
 *
 * <p>Implementations are thread-safe and cheap (no tag lookup, no allocation): they are called on event loops,
 * once or more per message.
 */
public interface WsMetricsRecorder {

    /**
     * What a received message was: the first message(s) of a connection that has no client id yet, a message of a
     * registered connection, or a binary frame.
     */
    enum MessageKind {
        REGISTRATION,
        UPDATE,
        BINARY
    }

    /** A WebSocket handshake completed. */
    void connectionOpened();

    /** A WebSocket connection ended for {@code reason}, or was taken over when {@code superseded}. */
    void connectionClosed(DisconnectReason.Kind reason, boolean superseded);

    /** A close frame started a closing handshake ({@code code} -1: a close frame without a code, 1005). */
    void closeFrame(Initiator initiator, int code);

    /** A connection lost its client id to a newer connection. */
    void takeover();

    /** A liveness timeout fired {@code idleNanos} after the connection's last inbound traffic. */
    void livenessTimeout(long idleNanos);

    /** An operator command was written to a client. */
    void commandSent(ClientCommand command);

    /** A message of {@code kind} was stored and acknowledged. */
    void accepted(MessageKind kind);

    /** A message of {@code kind} was refused for {@code why}. */
    void rejected(MessageKind kind, RejectKind why);

    /** One message took {@code nanos}, from its arrival to its reply being queued. */
    void messageProcessed(long nanos);

    /** A connection was closed with 1008 for breaking a policy. */
    void policyClose(PolicyClose reason);
}
