/**
 * Who may connect and how much: client authentication at the WebSocket upgrade (shared token or HS256 JWT),
 * connection caps and per-address rate limits, and the per-connection message rate. The rules are applied at one
 * gate, {@code http.AccessPolicy}, and what it grants a connection travels with the channel as an
 * {@link io.serpentis.gateway.security.Admission}.
 */
@NullMarked
package io.serpentis.gateway.security;

import org.jspecify.annotations.NullMarked;
