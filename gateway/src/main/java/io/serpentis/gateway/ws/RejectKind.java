package io.serpentis.gateway.ws;

/** Why a message on {@code /ws} was refused with an error frame: a closed set, counted as a metric tag. */
public enum RejectKind {
    /** Not JSON at all. */
    INVALID_JSON,
    /** Valid JSON, but not an object. */
    NOT_AN_OBJECT,
    /** No usable {@code client_id}. */
    CLIENT_ID,
    /** A {@code status} that is neither an object nor null. */
    STATUS_NOT_AN_OBJECT,
    /** Over one of the per-client limits (attributes, sizes, clients). */
    LIMIT,
    /** A {@code client_id} other than the one the connection registered. */
    ID_MISMATCH,
    /** A binary frame: the protocol is JSON text. */
    BINARY,
    /** Over the connection's message rate ({@code --message-rate}). */
    RATE_LIMITED,
    /** A {@code client_id} other than the subject of the connection's token. */
    SUBJECT_MISMATCH,
    /** An unpaired surrogate (not Unicode text) in the {@code client_id}, a name or a value. */
    INVALID_UNICODE,
    /** A key repeated in one object of the message. */
    DUPLICATE_KEY
}
