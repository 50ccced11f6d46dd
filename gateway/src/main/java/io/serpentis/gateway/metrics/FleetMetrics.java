package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The fleet's meters ({@code gateway.fleet.*}): membership as this node sees it, its lease's age, lost nodes and
 * reaped clients, fenced writes, kicks, the detection time of lost nodes, and the state of the fleet's
 * subscriptions. Registered only for a fleet member. Gauges and function counters read the {@link Source}, held
 * strongly; the counters are counted here. Thread-safe.
 */
@SuppressWarnings("NullAway.Init") // bindTo resolves every meter before the first event
public final class FleetMetrics implements MeterBinder {

    /** What the gauges and function counters read (the fleet). */
    public interface Source {
        /** Members the member table holds in {@code state} ({@code live} or {@code stale}). */
        int members(String state);

        /** Seconds since this node last renewed its lease (0 before it joined). */
        double heartbeatAgeSeconds();

        /** Whether this node is cut off from Redis (no lease renewed for the isolation delay). */
        boolean isolated();

        /** Writes Redis refused because another node owns their client. */
        long fencedWrites();

        /** Fleet channels wanted. */
        int subscriptionsWanted();

        /** Fleet channels Redis confirmed. */
        int subscriptionsConfirmed();

        /** Subscriptions made again (a channel's slot moved, or the probe stopped coming back). */
        long resubscribes();

        /** Messages dropped because the bus's queue was full. */
        long messagesDropped();
    }

    /** Why a node was declared lost (the {@code reason} tag). */
    public enum LostReason {
        /** Its lease ran out. */
        LEASE_EXPIRED,
        /** It left (a graceful stop). */
        LEFT,
        /** It restarted under the same id. */
        RESTARTED
    }

    private final Source source;
    private final Counter[] nodesLost = new Counter[LostReason.values().length];
    private Counter clientsReaped;
    private Counter kicksSent;
    private Counter kicksReceived;
    private Timer detection;
    private boolean bound;

    public FleetMetrics(Source source) {
        this.source = source;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        for (String state : new String[] {"live", "stale"}) {
            Gauge.builder(GatewayMeters.FLEET_MEMBERS.meterName(), source, s -> s.members(state))
                    .description(GatewayMeters.FLEET_MEMBERS.description())
                    .tag("state", state)
                    .strongReference(true)
                    .register(registry);
        }
        Gauge.builder(GatewayMeters.FLEET_HEARTBEAT_AGE.meterName(), source, Source::heartbeatAgeSeconds)
                .description(GatewayMeters.FLEET_HEARTBEAT_AGE.description())
                .baseUnit(GatewayMeters.FLEET_HEARTBEAT_AGE.baseUnit())
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.FLEET_ISOLATED.meterName(), source, s -> s.isolated() ? 1 : 0)
                .description(GatewayMeters.FLEET_ISOLATED.description())
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.FLEET_SUBSCRIPTIONS.meterName(), source, Source::subscriptionsWanted)
                .description(GatewayMeters.FLEET_SUBSCRIPTIONS.description())
                .tag("state", "wanted")
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.FLEET_SUBSCRIPTIONS.meterName(), source, Source::subscriptionsConfirmed)
                .description(GatewayMeters.FLEET_SUBSCRIPTIONS.description())
                .tag("state", "confirmed")
                .strongReference(true)
                .register(registry);
        functionCounter(registry, GatewayMeters.FLEET_FENCED_WRITES, Source::fencedWrites);
        functionCounter(registry, GatewayMeters.FLEET_RESUBSCRIBES, Source::resubscribes);
        functionCounter(registry, GatewayMeters.FLEET_MESSAGES_DROPPED, Source::messagesDropped);
        for (LostReason r : LostReason.values()) {
            nodesLost[r.ordinal()] = Meters.counter(GatewayMeters.FLEET_NODES_LOST)
                    .tag("reason", r.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        clientsReaped = Meters.counter(GatewayMeters.FLEET_CLIENTS_REAPED).register(registry);
        kicksSent = Meters.counter(GatewayMeters.FLEET_KICKS)
                .tag("direction", "sent")
                .register(registry);
        kicksReceived = Meters.counter(GatewayMeters.FLEET_KICKS)
                .tag("direction", "received")
                .register(registry);
        detection = Meters.timer(GatewayMeters.FLEET_DETECTION)
                .serviceLevelObjectives(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(12),
                        Duration.ofSeconds(14),
                        Duration.ofSeconds(16),
                        Duration.ofSeconds(20),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(60),
                        Duration.ofMinutes(5))
                .register(registry);
    }

    private void functionCounter(MeterRegistry registry, GatewayMeters meter, ToDoubleFunction<Source> f) {
        FunctionCounter.builder(meter.meterName(), source, f)
                .description(meter.description())
                .register(registry);
    }

    /** This node declared a node lost, for {@code reason}. */
    public void nodeLost(LostReason reason) {
        Counter c = nodesLost[reason.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    /**
     * This node marked {@code n} clients of a lost node offline, {@code detectionMillis} after the node's last
     * heartbeat; a negative {@code detectionMillis} is not a detection (a node that restarted marks its previous
     * life's clients: that took as long as it was down).
     */
    public void clientsReaped(int n, long detectionMillis) {
        if (clientsReaped == null || n <= 0) {
            return;
        }
        clientsReaped.increment(n);
        if (detectionMillis >= 0) {
            for (int i = 0; i < n; i++) {
                detection.record(detectionMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** A kick went out to a node that held a client this node claimed. */
    public void kickSent() {
        if (kicksSent != null) {
            kicksSent.increment();
        }
    }

    /** A kick arrived from a node that claimed a client. */
    public void kickReceived() {
        if (kicksReceived != null) {
            kicksReceived.increment();
        }
    }
}
