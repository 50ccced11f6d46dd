package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own meters, registered once on the injected registry; hot paths hold the meter objects, so
 * counting is a field read and an add. Thread-safe.
 */
public final class GatewayMetrics {

    /** Why a WebSocket message was refused: the bounded values of the {@code kind} tag. */
    public enum RejectKind {
        INVALID_JSON,
        NOT_AN_OBJECT,
        CLIENT_ID,
        STATUS_NOT_AN_OBJECT,
        LIMIT,
        ID_MISMATCH,
        BINARY;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why a dashboard snapshot was sent: the bounded values of the {@code reason} tag. */
    public enum SnapshotReason {
        CONNECT,
        REQUESTED,
        RESYNC;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** Why the feed closed a dashboard viewer: the bounded values of the {@code reason} tag. */
    public enum DropReason {
        SLOW,
        LIMIT;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private final MeterRegistry registry;
    private final Map<RejectKind, Counter> rejected = new EnumMap<>(RejectKind.class);
    private final AtomicInteger dashboardViewers = new AtomicInteger();
    private final Counter deltasEncoded;
    private final Counter deltaClients;
    private final Counter deltasSent;
    private final Counter deltasSkipped;
    private final Counter snapshotsEncoded;
    private final Map<SnapshotReason, Counter> snapshotsSent = new EnumMap<>(SnapshotReason.class);
    private final Counter resyncedFromHistory;
    private final Counter resyncedBySnapshot;
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Timer tick;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectKind k : RejectKind.values()) {
            rejected.put(k, Counter.builder(GatewayMeters.WS_MESSAGES_REJECTED.meterName())
                    .description(GatewayMeters.WS_MESSAGES_REJECTED.description())
                    .tag("kind", k.tag)
                    .register(registry));
        }
        Gauge.builder(GatewayMeters.DASHBOARD_VIEWERS.meterName(), dashboardViewers, AtomicInteger::get)
                .description(GatewayMeters.DASHBOARD_VIEWERS.description())
                .register(registry);
        deltasEncoded = counter(GatewayMeters.DASHBOARD_DELTAS_ENCODED);
        deltaClients = counter(GatewayMeters.DASHBOARD_DELTA_CLIENTS);
        deltasSent = counter(GatewayMeters.DASHBOARD_DELTAS_SENT);
        deltasSkipped = counter(GatewayMeters.DASHBOARD_DELTAS_SKIPPED);
        snapshotsEncoded = counter(GatewayMeters.DASHBOARD_SNAPSHOTS_ENCODED);
        for (SnapshotReason r : SnapshotReason.values()) {
            snapshotsSent.put(r, counter(GatewayMeters.DASHBOARD_SNAPSHOTS_SENT, "reason", r.tag));
        }
        resyncedFromHistory = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED, "via", "history");
        resyncedBySnapshot = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED, "via", "snapshot");
        for (DropReason r : DropReason.values()) {
            dropped.put(r, counter(GatewayMeters.DASHBOARD_VIEWERS_DROPPED, "reason", r.tag));
        }
        tick = Timer.builder(GatewayMeters.DASHBOARD_TICK.meterName())
                .description(GatewayMeters.DASHBOARD_TICK.description())
                .register(registry);
    }

    private Counter counter(GatewayMeters meter, String... tags) {
        return Counter.builder(meter.meterName()).description(meter.description()).tags(tags).register(registry);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Counts a refused message. */
    public void rejected(RejectKind kind) {
        rejected.get(kind).increment();
    }

    /** A dashboard viewer joined the feed. */
    public void dashboardViewerAdded() {
        dashboardViewers.incrementAndGet();
    }

    /** A dashboard viewer left the feed. */
    public void dashboardViewerRemoved() {
        dashboardViewers.decrementAndGet();
    }

    /** The feed encoded a delta carrying {@code clients} changed or removed clients. */
    public void dashboardDeltaEncoded(int clients) {
        deltasEncoded.increment();
        deltaClients.increment(clients);
    }

    /** A delta was written to a viewer. */
    public void dashboardDeltaSent() {
        deltasSent.increment();
    }

    /** A delivery was skipped: the viewer's connection was not writable. */
    public void dashboardDeltaSkipped() {
        deltasSkipped.increment();
    }

    /** The feed encoded a snapshot. */
    public void dashboardSnapshotEncoded() {
        snapshotsEncoded.increment();
    }

    /** A snapshot was written to a viewer. */
    public void dashboardSnapshotSent(SnapshotReason reason) {
        snapshotsSent.get(reason).increment();
    }

    /** A skipped viewer was brought back in sync, by a snapshot or from the history of recent deltas. */
    public void dashboardViewerResynced(boolean bySnapshot) {
        (bySnapshot ? resyncedBySnapshot : resyncedFromHistory).increment();
    }

    /** The feed closed a viewer. */
    public void dashboardViewerDropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    /** One feed tick took {@code nanos}. */
    public void dashboardTick(long nanos) {
        tick.record(nanos, TimeUnit.NANOSECONDS);
    }
}
