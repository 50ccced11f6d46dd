package io.serpentis.gateway.security;

import org.jspecify.annotations.Nullable;

/**
 * Who a WebSocket connection was opened as.
 *
 * @param subject the only {@code client_id} the connection may register (a JWT's {@code sub}), or {@code null}
 *     when any id may be registered (no client authentication, or the shared token)
 * @param expiresAtMillis when the credential expires (epoch milliseconds, clock skew included); the connection is
 *     closed then; 0 for never
 */
public record ClientPrincipal(@Nullable String subject, long expiresAtMillis) {

    /** A connection opened without client authentication. */
    public static final ClientPrincipal ANONYMOUS = new ClientPrincipal(null, 0);

    /** A connection opened with the shared client token: any id, no expiry. */
    public static final ClientPrincipal SHARED = new ClientPrincipal(null, 0);
}
