package io.serpentis.gateway.security;

/**
 * Why the access and abuse defences refused a request, an upgrade or a socket: a closed set, counted as the
 * {@code reason} tag of {@code gateway.security.refusals}. (Not {@link ConnectionLimiter.Refusal}, which is the
 * HTTP answer a connection limit gives.)
 */
public enum RefusalReason {
    /** A request whose {@code Host} names a host the gateway does not serve ({@code --allowed-hosts}; 421). */
    HOST,
    /** A browser {@code Origin} not allowed for an admin request or a WebSocket upgrade (403). */
    ORIGIN,
    /**
     * An admin request (or a main-port scrape while a token is configured) without the admin token, or an admin
     * request from a remote peer when none is configured (401/403).
     */
    ADMIN_AUTH,
    /** A WebSocket upgrade without a valid client token (401). */
    CLIENT_AUTH,
    /** A CORS preflight: CORS is closed (403). */
    CORS_PREFLIGHT,
    /** A WebSocket upgrade beyond {@code --max-connections} (503). */
    CAPACITY,
    /** A socket beyond the accept cap, closed unread. */
    SOCKET_CAPACITY,
    /** A socket beyond {@code --max-connections-per-address}, answered 429 at accept. */
    ADDRESS_CONNECTIONS,
    /** A socket beyond {@code --connection-rate-per-address}, answered 429 at accept. */
    ADDRESS_RATE,
    /** A malformed or ambiguous HTTP request: smuggling attempts among them (400, 505). */
    HTTP_MALFORMED,
    /** A request line over {@code --http-max-initial-line-bytes} (414). */
    HTTP_URI_TOO_LONG,
    /** A header block over {@code --http-max-header-bytes} (431). */
    HTTP_HEADERS_TOO_LARGE,
    /** A body over {@code --http-max-content-bytes} (413). */
    HTTP_BODY_TOO_LARGE,
    /** A request not complete within {@code --request-timeout} (408). */
    HTTP_TIMEOUT
}
