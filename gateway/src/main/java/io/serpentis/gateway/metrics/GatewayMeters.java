package io.serpentis.gateway.metrics;

import org.jspecify.annotations.Nullable;

/**
 * Every meter the gateway registers: name, base unit and description live here and only here (as Micrometer's
 * {@code NettyMeters}). Tags are bounded and listed with each meter; never a client id.
 */
public enum GatewayMeters {
    /** Messages refused on {@code /ws}, tagged {@code kind} (a closed set: see {@code RejectKind}). */
    WS_MESSAGES_REJECTED("gateway.ws.messages.rejected", null, "WebSocket messages refused with an error frame");

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
