package io.serpentis.gateway.ws;

import org.jspecify.annotations.Nullable;

/**
 * An error answered with {@code {"error": message}}.
 *
 * @param message the text sent to the client
 * @param close whether the connection closes afterwards (with 1000, as the original does for a missing id)
 * @param disconnectDetail when closing a registered connection, what the record's {@code status_detail} says
 * @param kind the metric tag it is counted under
 */
public record ProtocolError(
        String message, boolean close, @Nullable String disconnectDetail, RejectKind kind) {
    private static final String UNICODE =
            "attribute names and values must be valid Unicode (an unpaired surrogate escape is not)";

    /** Checks that {@code disconnectDetail} is given exactly when the error closes the connection. */
    public ProtocolError {
        if (close != (disconnectDetail != null)) {
            throw new IllegalArgumentException("a closing error, and only a closing one, has a disconnect detail");
        }
    }

    /** Not JSON at all (the original's text). */
    public static final ProtocolError INVALID_JSON =
            new ProtocolError("Invalid JSON format", false, null, RejectKind.INVALID_JSON);
    /** Valid JSON, but not an object. */
    public static final ProtocolError NOT_AN_OBJECT =
            new ProtocolError("Message must be a JSON object", false, null, RejectKind.NOT_AN_OBJECT);
    /** No usable {@code client_id} (the original's text; the connection closes with 1000). */
    public static final ProtocolError CLIENT_ID_REQUIRED =
            new ProtocolError("client_id is required", true, "client_id is required", RejectKind.CLIENT_ID);
    /** A {@code client_id} that is not a JSON string. */
    public static final ProtocolError CLIENT_ID_NOT_A_STRING = new ProtocolError(
            "client_id must be a non-empty JSON string",
            true,
            "client_id must be a non-empty JSON string",
            RejectKind.CLIENT_ID);
    /**
     * A {@code client_id} with an unpaired surrogate escape: not text, so it would be stored as another id (Redis
     * gets {@code ?} in its place). Like an id of the wrong type, it closes the connection with 1000.
     */
    public static final ProtocolError CLIENT_ID_NOT_UNICODE = new ProtocolError(
            "client_id must be valid Unicode (an unpaired surrogate escape is not); nothing was stored",
            true,
            "client_id must be valid Unicode",
            RejectKind.INVALID_UNICODE);
    /** A name anywhere in the message with an unpaired surrogate escape (the JSON parser refuses those). */
    public static final ProtocolError NAME_NOT_UNICODE =
            new ProtocolError(UNICODE + "; nothing was stored", false, null, RejectKind.INVALID_UNICODE);
    /** A {@code status} that is neither an object nor null. */
    public static final ProtocolError STATUS_NOT_AN_OBJECT =
            new ProtocolError("status must be a JSON object", false, null, RejectKind.STATUS_NOT_AN_OBJECT);

    /** The value of attribute {@code quotedName} holds an unpaired surrogate; the connection stays open. */
    static ProtocolError valueNotUnicode(String quotedName) {
        return new ProtocolError(
                UNICODE + ": the value of " + quotedName + "; nothing was stored",
                false,
                null,
                RejectKind.INVALID_UNICODE);
    }

    /**
     * A key repeated in one object (at any depth): refused rather than letting one copy win, because a proxy or
     * another parser in front of the gateway may have read the other copy. The connection stays open.
     */
    static ProtocolError duplicateKey(String quotedName) {
        return new ProtocolError(
                "Duplicate key " + quotedName + " in message; nothing was stored",
                false,
                null,
                RejectKind.DUPLICATE_KEY);
    }

    /** A limit was exceeded; the connection stays open. */
    public static ProtocolError limit(String message) {
        return new ProtocolError(message, false, null, RejectKind.LIMIT);
    }
}
