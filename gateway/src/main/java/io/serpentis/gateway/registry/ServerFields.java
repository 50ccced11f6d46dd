package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * Names of the fields the gateway owns in a client's record. A client's values for them are ignored and never
 * listed in an ack's {@code status_updated} (PROTOCOL.md section 7, row 6).
 */
public final class ServerFields {
    /** {@code "true"} while a connection holds the id, {@code "false"} after it ended. */
    public static final String CONNECTED = "connected";
    /** When the current (or last) connection registered. */
    public static final String CONNECT_TIME = "connect_time";
    /** When the last connection ended; cleared by a re-registration. */
    public static final String DISCONNECT_TIME = "disconnect_time";
    /** Why the last connection ended; cleared by a re-registration. */
    public static final String STATUS_DETAIL = "status_detail";
    /** When the client last sent a message. */
    public static final String LAST_SEEN = "last_seen";
    /** The id of the gateway node that holds (or last held) the client's connection. */
    public static final String GATEWAY_NODE = "gateway_node";
    /**
     * The record's version, in Redis only: writes carry it and a write older than what Redis holds is dropped, so
     * replays after a reconnect cannot regress a client's state.
     */
    public static final String GATEWAY_VERSION = "gateway_version";
    /**
     * The client's fencing token, in Redis only (fleet mode): a decimal number that only grows. Each claim of the
     * client by a node sets a new one, and Redis refuses every write that does not carry the current one, so a node
     * that lost the client can never write its record again.
     */
    public static final String GATEWAY_EPOCH = "gateway_epoch";
    /** The incarnation (one life) of the node that holds (or last held) the client, in Redis only (fleet mode). */
    public static final String GATEWAY_INCARNATION = "gateway_incarnation";
    /** Written by the server on pause, resume and disconnect, and by clients too (not server-owned). */
    public static final String CLIENT_STATE = "client_state";

    private ServerFields() {}

    /** Whether a client may not set {@code name}. */
    public static boolean isServerOwned(String name) {
        return switch (name) {
            case CONNECTED,
                    CONNECT_TIME,
                    DISCONNECT_TIME,
                    STATUS_DETAIL,
                    LAST_SEEN,
                    GATEWAY_NODE,
                    GATEWAY_VERSION,
                    GATEWAY_EPOCH,
                    GATEWAY_INCARNATION -> true;
            default -> false;
        };
    }

    /**
     * The value of a numeric field as Redis holds it ({@link #GATEWAY_VERSION}, {@link #GATEWAY_EPOCH}): 0 when it is
     * absent or not a decimal {@code long}.
     */
    public static long longValue(@Nullable String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
