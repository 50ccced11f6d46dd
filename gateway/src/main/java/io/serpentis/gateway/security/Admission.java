package io.serpentis.gateway.security;

import io.netty.util.AttributeKey;
import io.serpentis.gateway.config.ConnectionLimitsConfig;

/**
 * What the upgrade gate granted a WebSocket connection: who it is and the limits it lives under. Set as a channel
 * attribute by the gate ({@code HttpRoutingHandler} through {@code AccessPolicy}) before the handshake, and read
 * by the connection's session.
 *
 * @param principal who the connection was opened as
 * @param limits the per-connection message rate and slow-consumer timeout that apply
 */
public record Admission(ClientPrincipal principal, ConnectionLimitsConfig limits) {

    /** The admission of an upgraded channel. */
    public static final AttributeKey<Admission> KEY = AttributeKey.valueOf(Admission.class, "admission");

    /** Anonymous, with the default limits: what a channel that somehow lacks an admission gets. */
    public static final Admission DEFAULT = new Admission(ClientPrincipal.ANONYMOUS, ConnectionLimitsConfig.defaults());
}
