package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dashboard live feed's meters: viewers watching, delta frames sent, viewers resynced with a fresh snapshot
 * after falling behind, and viewers dropped. Registered (at zero) with {@link GatewayMetrics}, so they are in
 * {@code /metrics} before the first viewer connects; the feed calls these methods from any thread. Each call is a
 * field read and an add.
 */
public final class FeedMetrics {
    private final AtomicInteger viewers = new AtomicInteger();
    private final Counter deltasSent;
    private final Counter resynced;
    private final Counter dropped;

    FeedMetrics(MeterRegistry registry) {
        Gauge.builder(GatewayMeters.DASHBOARD_VIEWERS.meterName(), viewers, AtomicInteger::get)
                .description(GatewayMeters.DASHBOARD_VIEWERS.description())
                .baseUnit(GatewayMeters.DASHBOARD_VIEWERS.baseUnit())
                .strongReference(true)
                .register(registry);
        deltasSent = GatewayMetrics.counter(GatewayMeters.DASHBOARD_DELTAS_SENT).register(registry);
        resynced = GatewayMetrics.counter(GatewayMeters.DASHBOARD_VIEWERS_RESYNCED).register(registry);
        dropped = GatewayMetrics.counter(GatewayMeters.DASHBOARD_VIEWERS_DROPPED).register(registry);
    }

    /** A dashboard viewer subscribed to the feed. */
    public void viewerOpened() {
        viewers.incrementAndGet();
    }

    /** A viewer went away (whatever the reason; {@link #viewerDropped()} counts the forced ones as well). */
    public void viewerClosed() {
        viewers.decrementAndGet();
    }

    /** {@code frames} delta frames were written (one per viewer that received the tick's delta). */
    public void deltasSent(int frames) {
        deltasSent.increment(frames);
    }

    /** A viewer that had fallen behind was sent a fresh snapshot instead of the deltas it missed. */
    public void viewerResynced() {
        resynced.increment();
    }

    /** A viewer was closed because it could not keep up. */
    public void viewerDropped() {
        dropped.increment();
    }

    /** Viewers connected now. */
    public int viewers() {
        return viewers.get();
    }
}
