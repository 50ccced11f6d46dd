package io.serpentis.gateway.registry;

/** What became of an operator command. */
public enum CommandResult {
    /** The command frame was written to the client's connection. */
    SENT,
    /** No record of the client exists. */
    UNKNOWN_CLIENT,
    /** The client is known but no connection holds it (or its connection is already leaving). */
    NOT_CONNECTED,
    /** The connection failed while the command was being written. */
    SEND_FAILED,
    /**
     * Fleet mode: the node that holds the client's connection did not answer within the deadline (it may be
     * paused, or cut off from Redis); whether the command reached the client is unknown.
     */
    NO_ANSWER
}
