package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.metrics.Meters.counter;
import static io.serpentis.gateway.metrics.Meters.micros;
import static io.serpentis.gateway.metrics.Meters.millis;
import static io.serpentis.gateway.metrics.Meters.tag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.ws.PolicyClose;
import io.serpentis.gateway.ws.RejectKind;
import io.serpentis.gateway.ws.WsCloseHandshake.Initiator;
import io.serpentis.gateway.ws.WsMetricsRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The status protocol's meters ({@code gateway.ws.*} and {@code gateway.commands.sent}): connections open, opened
 * and closed by reason, close frames by code and initiator, takeovers, liveness timeouts and how late they were
 * detected, messages by kind and result, processing time, operator commands and policy closes. Hot paths hold the
 * meters in arrays indexed by enum ordinals, so counting is an array read and an add: no tag lookup, no
 * allocation. Bind once, before the first event; thread-safe afterwards.
 */
@SuppressWarnings("NullAway.Init") // bindTo resolves every meter before the first event
public final class WsMetrics implements MeterBinder, WsMetricsRecorder {

    /** The close codes counted one by one; any other code counts as {@code other}. */
    private static final int[] KNOWN_CLOSE_CODES = {
        1000, 1001, 1002, 1003, 1005, 1007, 1008, 1009, 1010, 1011, 1012, 4001, 4002
    };

    /** The {@code reason} tag of a connection replaced by a newer one (a takeover, close 4001). */
    static final String SUPERSEDED = "superseded";

    private final Duration livenessTimeout;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter[] rejected = new Counter[RejectKind.values().length];
    /** [kind][0 = ok, 1 + RejectKind ordinal]; null where the combination cannot happen. */
    private final @Nullable Counter[][] messages =
            new Counter[MessageKind.values().length][RejectKind.values().length + 1];
    /** By DisconnectReason.Kind ordinal; null for a kind that never ends a live connection. */
    private final @Nullable Counter[] closed = new Counter[DisconnectReason.Kind.values().length];
    /** [initiator * (codes + 1) + code index]; created on first use, so only codes that happened show. */
    private final AtomicReferenceArray<Counter> closeFrames =
            new AtomicReferenceArray<>(Initiator.values().length * (KNOWN_CLOSE_CODES.length + 1));

    private final Counter[] commands = new Counter[ClientCommand.values().length];
    private final Counter[] policyCloses = new Counter[PolicyClose.values().length];
    private boolean bound;
    private MeterRegistry registry;
    private Timer messageDuration;
    private Counter opened;
    private Counter closedSuperseded;
    private Counter takeovers;
    private Counter livenessTimeouts;
    private Timer livenessDetection;

    /** @param livenessTimeout the configured liveness timeout; the detection histogram's buckets sit just above it */
    public WsMetrics(Duration livenessTimeout) {
        this.livenessTimeout = livenessTimeout;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        this.registry = registry;
        for (RejectKind k : RejectKind.values()) {
            rejected[k.ordinal()] = counter(GatewayMeters.WS_MESSAGES_REJECTED)
                    .tag("kind", tag(k))
                    .register(registry);
        }
        for (MessageKind kind : MessageKind.values()) {
            if (kind == MessageKind.BINARY) {
                messages[kind.ordinal()][1 + RejectKind.BINARY.ordinal()] = message(kind, tag(RejectKind.BINARY));
                continue;
            }
            messages[kind.ordinal()][0] = message(kind, "ok");
            for (RejectKind r : RejectKind.values()) {
                boolean possible =
                        r != RejectKind.BINARY && (kind == MessageKind.UPDATE || r != RejectKind.ID_MISMATCH);
                if (possible) {
                    messages[kind.ordinal()][1 + r.ordinal()] = message(kind, tag(r));
                }
            }
        }
        messageDuration = Meters.timer(GatewayMeters.WS_MESSAGE_DURATION)
                .serviceLevelObjectives(
                        micros(10),
                        micros(25),
                        micros(50),
                        micros(100),
                        micros(250),
                        micros(500),
                        millis(1),
                        millis(2.5),
                        millis(5),
                        millis(10),
                        millis(25),
                        millis(50),
                        millis(100))
                .register(registry);

        Gauge.builder(GatewayMeters.WS_CONNECTIONS_OPEN.meterName(), open, AtomicInteger::get)
                .description(GatewayMeters.WS_CONNECTIONS_OPEN.description())
                .strongReference(true)
                .register(registry);
        opened = counter(GatewayMeters.WS_CONNECTIONS_OPENED).register(registry);
        for (DisconnectReason.Kind k : DisconnectReason.Kind.values()) {
            if (k != DisconnectReason.Kind.RESTARTED) { // never the end of a live connection
                closed[k.ordinal()] = counter(GatewayMeters.WS_CONNECTIONS_CLOSED)
                        .tag("reason", tag(k))
                        .register(registry);
            }
        }
        closedSuperseded = counter(GatewayMeters.WS_CONNECTIONS_CLOSED)
                .tag("reason", SUPERSEDED)
                .register(registry);
        takeovers = counter(GatewayMeters.WS_TAKEOVERS).register(registry);
        livenessTimeouts = counter(GatewayMeters.WS_LIVENESS_TIMEOUTS).register(registry);
        livenessDetection = Meters.timer(GatewayMeters.WS_LIVENESS_DETECTION)
                .serviceLevelObjectives(
                        livenessTimeout,
                        livenessTimeout.plusMillis(100),
                        livenessTimeout.plusMillis(250),
                        livenessTimeout.plusMillis(500),
                        livenessTimeout.plusSeconds(1),
                        livenessTimeout.plusSeconds(2),
                        livenessTimeout.plusSeconds(5),
                        livenessTimeout.plusSeconds(10))
                .register(registry);
        for (ClientCommand c : ClientCommand.values()) {
            commands[c.ordinal()] = counter(GatewayMeters.COMMANDS_SENT)
                    .tag("command", c.wireName())
                    .register(registry);
        }
        for (PolicyClose c : PolicyClose.values()) {
            policyCloses[c.ordinal()] = counter(GatewayMeters.WS_POLICY_CLOSES)
                    .tag("reason", tag(c))
                    .register(registry);
        }
    }

    private Counter message(MessageKind kind, String result) {
        return counter(GatewayMeters.WS_MESSAGES_RECEIVED)
                .tag("kind", tag(kind))
                .tag("result", result)
                .register(registry);
    }

    @Override
    public void rejected(MessageKind kind, RejectKind why) {
        rejected[why.ordinal()].increment();
        Counter c = messages[kind.ordinal()][1 + why.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void accepted(MessageKind kind) {
        Counter c = messages[kind.ordinal()][0];
        if (c != null) {
            c.increment();
        }
    }

    /**
     * Status messages stored and acknowledged since start (registrations and updates): what the fleet's history
     * turns into this node's update rate.
     */
    public long acknowledgedUpdates() {
        double sum = 0;
        for (MessageKind kind : new MessageKind[] {MessageKind.REGISTRATION, MessageKind.UPDATE}) {
            Counter c = messages[kind.ordinal()][0];
            sum += c == null ? 0 : c.count();
        }
        return (long) sum;
    }

    @Override
    public void messageProcessed(long nanos) {
        messageDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void connectionOpened() {
        open.incrementAndGet();
        opened.increment();
    }

    @Override
    public void connectionClosed(DisconnectReason.Kind reason, boolean superseded) {
        open.decrementAndGet();
        Counter c = superseded ? closedSuperseded : closed[reason.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void closeFrame(Initiator initiator, int code) {
        int index = initiator.ordinal() * (KNOWN_CLOSE_CODES.length + 1) + codeIndex(code == -1 ? 1005 : code);
        Counter c = closeFrames.get(index);
        if (c == null) {
            int i = index % (KNOWN_CLOSE_CODES.length + 1);
            String codeTag = i < KNOWN_CLOSE_CODES.length ? Integer.toString(KNOWN_CLOSE_CODES[i]) : "other";
            c = counter(GatewayMeters.WS_CLOSE_FRAMES)
                    .tag("code", codeTag)
                    .tag("initiator", tag(initiator))
                    .register(registry);
            closeFrames.set(index, c); // the registry returns the same counter to a racing thread
        }
        c.increment();
    }

    private static int codeIndex(int code) {
        for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
            if (KNOWN_CLOSE_CODES[i] == code) {
                return i;
            }
        }
        return KNOWN_CLOSE_CODES.length;
    }

    @Override
    public void takeover() {
        takeovers.increment();
    }

    @Override
    public void livenessTimeout(long idleNanos) {
        livenessTimeouts.increment();
        livenessDetection.record(idleNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void commandSent(ClientCommand command) {
        commands[command.ordinal()].increment();
    }

    @Override
    public void policyClose(PolicyClose reason) {
        policyCloses[reason.ordinal()].increment();
    }
}
