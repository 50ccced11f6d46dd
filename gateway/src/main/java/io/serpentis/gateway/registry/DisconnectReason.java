package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * Why a connection ended, as recorded in the client's {@code status_detail}; every way a connection ends maps to
 * exactly one reason (PROTOCOL.md section 7, rows 4 and 15).
 *
 * @param detail the text stored in {@code status_detail}
 * @param clientState the {@code client_state} the server writes with it, or {@code null} to leave it alone
 */
public record DisconnectReason(String detail, @Nullable String clientState) {

    /** The client sent a close frame. The original's text. */
    public static final DisconnectReason CLIENT = new DisconnectReason("Disconnected by client", null);
    /** An operator asked for a disconnect. The original's text and {@code client_state}. */
    public static final DisconnectReason SERVER = new DisconnectReason("Disconnected by server", "offline");
    /** The TCP connection ended without a close frame. */
    public static final DisconnectReason CONNECTION_LOST = new DisconnectReason("Connection lost", null);
    /** The gateway is stopping. */
    public static final DisconnectReason SHUTDOWN = new DisconnectReason("Gateway shutting down", null);
    /** The gateway restarted while the client was connected to it (found at start-up). */
    public static final DisconnectReason RESTARTED = new DisconnectReason("Gateway restarted", null);

    /** The connection sent nothing, not even a pong, for {@code seconds}. */
    public static DisconnectReason timedOut(long seconds) {
        return new DisconnectReason("Timed out: no traffic for " + seconds + " s", null);
    }

    /** The connection broke the protocol; {@code what} says how. */
    public static DisconnectReason protocolError(String what) {
        return new DisconnectReason("Protocol error: " + what, null);
    }
}
