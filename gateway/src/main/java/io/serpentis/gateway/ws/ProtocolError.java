package io.serpentis.gateway.ws;

import io.serpentis.gateway.metrics.GatewayMetrics.RejectKind;
import org.jspecify.annotations.Nullable;

/**
 * An error answered with {@code {"error": message}}.
 *
 * @param message the text sent to the client
 * @param close whether the connection closes afterwards (with 1000, as the original does for a missing id)
 * @param disconnectDetail when closing a registered connection, what the record's {@code status_detail} says
 * @param kind the metric tag it is counted under
 */
public record ProtocolError(String message, boolean close, @Nullable String disconnectDetail, RejectKind kind) {

    /** Not JSON at all (the original's text). */
    public static final ProtocolError INVALID_JSON = new ProtocolError("Invalid JSON format", false, null, RejectKind.INVALID_JSON);
    /** Valid JSON, but not an object. */
    public static final ProtocolError NOT_AN_OBJECT =
            new ProtocolError("Message must be a JSON object", false, null, RejectKind.NOT_AN_OBJECT);
    /** No usable {@code client_id} (the original's text; the connection closes with 1000). */
    public static final ProtocolError CLIENT_ID_REQUIRED =
            new ProtocolError("client_id is required", true, "client_id is required", RejectKind.CLIENT_ID);
    /** A {@code client_id} that is not a JSON string. */
    public static final ProtocolError CLIENT_ID_NOT_A_STRING = new ProtocolError(
            "client_id must be a non-empty JSON string", true, "client_id must be a non-empty JSON string",
            RejectKind.CLIENT_ID);
    /** A {@code status} that is neither an object nor null. */
    public static final ProtocolError STATUS_NOT_AN_OBJECT =
            new ProtocolError("status must be a JSON object", false, null, RejectKind.STATUS_NOT_AN_OBJECT);

    /** A limit was exceeded; the connection stays open. */
    public static ProtocolError limit(String message) {
        return new ProtocolError(message, false, null, RejectKind.LIMIT);
    }
}
