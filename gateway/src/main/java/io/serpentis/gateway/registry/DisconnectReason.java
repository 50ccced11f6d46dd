package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * Why a connection ended, as recorded in the client's {@code status_detail}; every way a connection ends maps to
 * exactly one reason (PROTOCOL.md section 7, rows 4 and 15).
 *
 * @param detail the text stored in {@code status_detail}
 * @param clientState the {@code client_state} the server writes with it, or {@code null} to leave it alone
 * @param kind which of the bounded kinds of end this is (metrics tag it; {@code detail} may carry values)
 */
public record DisconnectReason(String detail, @Nullable String clientState, Kind kind) {

    /** The bounded kinds of connection end, for metrics. */
    public enum Kind {
        /** The client sent a close frame. */
        CLIENT_CLOSE,
        /** An operator disconnected the client. */
        SERVER_DISCONNECT,
        /** TCP closed without a close frame. */
        CONNECTION_LOST,
        /** Nothing arrived within the liveness timeout. */
        LIVENESS_TIMEOUT,
        /** The client broke the protocol (or the gateway failed unexpectedly on its connection). */
        PROTOCOL_ERROR,
        /** The gateway closed it for breaking a policy: rate limit, replies not read, token (close 1008). */
        POLICY,
        /** The gateway stopped. */
        SHUTDOWN,
        /** The gateway restarted while the client was connected to it. */
        RESTARTED,
        /** The gateway was cut off from Redis while its fleet was not (close 1012). */
        ISOLATED
    }

    /** The client sent a close frame. The original's text. */
    public static final DisconnectReason CLIENT =
            new DisconnectReason("Disconnected by client", null, Kind.CLIENT_CLOSE);
    /** An operator asked for a disconnect. The original's text and {@code client_state}. */
    public static final DisconnectReason SERVER =
            new DisconnectReason("Disconnected by server", "offline", Kind.SERVER_DISCONNECT);
    /** The TCP connection ended without a close frame. */
    public static final DisconnectReason CONNECTION_LOST =
            new DisconnectReason("Connection lost", null, Kind.CONNECTION_LOST);
    /** The gateway is stopping. */
    public static final DisconnectReason SHUTDOWN = new DisconnectReason("Gateway shutting down", null, Kind.SHUTDOWN);
    /** The gateway restarted while the client was connected to it (found at start-up). */
    public static final DisconnectReason RESTARTED = new DisconnectReason("Gateway restarted", null, Kind.RESTARTED);

    /** The gateway was cut off from Redis while a peer was not, and closed its clients (close 1012). */
    public static final DisconnectReason ISOLATED =
            new DisconnectReason("Gateway isolated from Redis", null, Kind.ISOLATED);
    /**
     * The fleet declared the node that held the client lost (its lease ran out) and a survivor recorded the end, at
     * the client's last sign of life. Written by the survivor's reap script, never by a connection.
     */
    public static final String NODE_LOST_DETAIL = "Gateway node lost";

    /** The connection sent nothing, not even a pong, for {@code seconds}. */
    public static DisconnectReason timedOut(long seconds) {
        return new DisconnectReason("Timed out: no traffic for " + seconds + " s", null, Kind.LIVENESS_TIMEOUT);
    }

    /** The gateway closed the connection for breaking a policy (close 1008); {@code detail} says which. */
    public static DisconnectReason policy(String detail) {
        return new DisconnectReason(detail, null, Kind.POLICY);
    }

    /** The connection broke the protocol; {@code what} says how. */
    public static DisconnectReason protocolError(String what) {
        return new DisconnectReason("Protocol error: " + what, null, Kind.PROTOCOL_ERROR);
    }
}
