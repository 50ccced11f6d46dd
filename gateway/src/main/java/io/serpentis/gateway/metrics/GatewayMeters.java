package io.serpentis.gateway.metrics;

import org.jspecify.annotations.Nullable;

/**
 * Every meter the gateway registers: name, base unit and description live here and only here (as Micrometer's
 * {@code NettyMeters}). Tags are bounded and listed with each meter; never a client id.
 */
public enum GatewayMeters {
    /** Messages refused on {@code /ws}, tagged {@code kind} (a closed set: see {@code RejectKind}). */
    WS_MESSAGES_REJECTED("gateway.ws.messages.rejected", null, "WebSocket messages refused with an error frame"),
    /**
     * Requests, upgrades and sockets refused by the access and abuse defences, tagged {@code reason} (a closed set:
     * see {@code GatewayMetrics.Refusal}).
     */
    SECURITY_REFUSALS("gateway.security.refusals", null,
            "Requests, upgrades and sockets refused by the access and abuse defences, by reason"),
    /**
     * WebSocket connections the gateway closed for breaking a policy (close 1008), tagged {@code reason} (see
     * {@code GatewayMetrics.PolicyClose}).
     */
    WS_POLICY_CLOSES("gateway.ws.policy.closes", null,
            "WebSocket connections closed for breaking a policy (rate limit, slow consumer, token), by reason");

    private final String meterName;
    private final @Nullable String baseUnit;
    private final String description;

    GatewayMeters(String meterName, @Nullable String baseUnit, String description) {
        this.meterName = meterName;
        this.baseUnit = baseUnit;
        this.description = description;
    }

    public String meterName() {
        return meterName;
    }

    public @Nullable String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }
}
