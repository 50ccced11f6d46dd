package io.serpentis.gateway.metrics;

import org.jspecify.annotations.Nullable;

/**
 * Every meter the gateway registers: name, base unit and description live here and only here (as Micrometer's
 * {@code NettyMeters}). Tags are bounded and listed with each meter; never a client id.
 */
public enum GatewayMeters {
    /** Messages refused on {@code /ws}, tagged {@code kind} (a closed set: see {@code RejectKind}). */
    WS_MESSAGES_REJECTED("gateway.ws.messages.rejected", null, "WebSocket messages refused with an error frame"),
    /** Dashboard viewers connected to the live feed (gauge). */
    DASHBOARD_VIEWERS("gateway.dashboard.viewers", null, "Dashboard viewers connected to the live feed"),
    /** Deltas the feed encoded (once each, whatever the number of viewers). */
    DASHBOARD_DELTAS_ENCODED("gateway.dashboard.deltas.encoded", null, "Dashboard deltas encoded"),
    /** Client entries (changed or removed) in the encoded deltas. */
    DASHBOARD_DELTA_CLIENTS("gateway.dashboard.delta.clients", null, "Clients carried by encoded dashboard deltas"),
    /** Deltas written to viewers (one per viewer per delta). */
    DASHBOARD_DELTAS_SENT("gateway.dashboard.deltas.sent", null, "Dashboard deltas written to viewers"),
    /** Deliveries skipped because the viewer's connection was not writable. */
    DASHBOARD_DELTAS_SKIPPED("gateway.dashboard.deltas.skipped", null,
            "Dashboard deliveries skipped because the viewer was not reading"),
    /** Snapshots written to viewers, tagged {@code reason}: {@code connect}, {@code requested}, {@code resync}. */
    DASHBOARD_SNAPSHOTS_SENT("gateway.dashboard.snapshots.sent", null, "Dashboard snapshots written to viewers"),
    /** Snapshots the feed encoded (once each, shared by the viewers that needed one). */
    DASHBOARD_SNAPSHOTS_ENCODED("gateway.dashboard.snapshots.encoded", null, "Dashboard snapshots encoded"),
    /** Skipped viewers brought back in sync, tagged {@code via}: {@code history} or {@code snapshot}. */
    DASHBOARD_VIEWERS_RESYNCED("gateway.dashboard.viewers.resynced", null,
            "Skipped dashboard viewers brought back in sync"),
    /** Viewers closed by the feed, tagged {@code reason}: {@code slow} (4003) or {@code limit} (1013). */
    DASHBOARD_VIEWERS_DROPPED("gateway.dashboard.viewers.dropped", null, "Dashboard viewers closed by the feed"),
    /** Time the feed thread spends per tick (drain, encode, hand-off): its CPU share is the rate of this sum. */
    DASHBOARD_TICK("gateway.dashboard.tick", "seconds", "Time the dashboard feed spends per tick");

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
