package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.metrics.Meters.counter;
import static io.serpentis.gateway.metrics.Meters.tag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.serpentis.gateway.feed.DropReason;
import io.serpentis.gateway.feed.FeedMetricsRecorder;
import io.serpentis.gateway.feed.SnapshotReason;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dashboard feed's meters ({@code gateway.dashboard.*}): viewers connected, deltas and snapshots encoded and
 * sent, skipped deliveries, resyncs, dropped viewers and the time per tick. Meters are resolved once, into fields
 * and arrays indexed by enum ordinals. Bind once, before the first event; thread-safe afterwards.
 */
@SuppressWarnings("NullAway.Init") // bindTo resolves every meter before the first event
public final class FeedMetrics implements MeterBinder, FeedMetricsRecorder {
    private final AtomicInteger viewers = new AtomicInteger();
    private final Counter[] snapshotsSent = new Counter[SnapshotReason.values().length];
    private final Counter[] dropped = new Counter[DropReason.values().length];
    private boolean bound;
    private Counter deltasEncoded;
    private Counter deltaClients;
    private Counter deltasSent;
    private Counter deltasSkipped;
    private Counter snapshotsEncoded;
    private Counter resyncedFromHistory;
    private Counter resyncedBySnapshot;
    private Timer tick;

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        Gauge.builder(GatewayMeters.DASHBOARD_VIEWERS.meterName(), viewers, AtomicInteger::get)
                .description(GatewayMeters.DASHBOARD_VIEWERS.description())
                .strongReference(true)
                .register(registry);
        deltasEncoded = counter(GatewayMeters.DASHBOARD_DELTAS_ENCODED).register(registry);
        deltaClients = counter(GatewayMeters.DASHBOARD_DELTA_CLIENTS).register(registry);
        deltasSent = counter(GatewayMeters.DASHBOARD_DELTAS_SENT).register(registry);
        deltasSkipped = counter(GatewayMeters.DASHBOARD_DELTAS_SKIPPED).register(registry);
        snapshotsEncoded = counter(GatewayMeters.DASHBOARD_SNAPSHOTS_ENCODED).register(registry);
        for (SnapshotReason r : SnapshotReason.values()) {
            snapshotsSent[r.ordinal()] = counter(GatewayMeters.DASHBOARD_SNAPSHOTS_SENT)
                    .tag("reason", tag(r))
                    .register(registry);
        }
        resyncedFromHistory = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED)
                .tag("via", "history")
                .register(registry);
        resyncedBySnapshot = counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED)
                .tag("via", "snapshot")
                .register(registry);
        for (DropReason r : DropReason.values()) {
            dropped[r.ordinal()] = counter(GatewayMeters.DASHBOARD_VIEWERS_DROPPED)
                    .tag("reason", tag(r))
                    .register(registry);
        }
        tick = Meters.timer(GatewayMeters.DASHBOARD_TICK).register(registry);
    }

    @Override
    public void viewerAdded() {
        viewers.incrementAndGet();
    }

    @Override
    public void viewerRemoved() {
        viewers.decrementAndGet();
    }

    @Override
    public void deltaEncoded(int clients) {
        deltasEncoded.increment();
        deltaClients.increment(clients);
    }

    @Override
    public void deltaSent() {
        deltasSent.increment();
    }

    @Override
    public void deltaSkipped() {
        deltasSkipped.increment();
    }

    @Override
    public void snapshotEncoded() {
        snapshotsEncoded.increment();
    }

    @Override
    public void snapshotSent(SnapshotReason reason) {
        snapshotsSent[reason.ordinal()].increment();
    }

    @Override
    public void resyncedFromHistory() {
        resyncedFromHistory.increment();
    }

    @Override
    public void resyncedBySnapshot() {
        resyncedBySnapshot.increment();
    }

    @Override
    public void viewerDropped(DropReason reason) {
        dropped[reason.ordinal()].increment();
    }

    @Override
    public void tick(long nanos) {
        tick.record(nanos, TimeUnit.NANOSECONDS);
    }
}
