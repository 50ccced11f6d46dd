package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.serpentis.gateway.registry.CommandResult;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The fleet view's meters ({@code gateway.fleet.*}, issue 13 points 1, 3 and 9): resyncs by reason, feed messages,
 * bytes and records in each direction, the view's lag (a peer's publish to this node's apply), and commands for
 * clients held by other nodes (by result, with their latency). Registered only for a fleet member. Every counter is
 * resolved at bind time, so recording is a lookup in an array. Thread-safe.
 */
public final class FleetViewMetrics implements MeterBinder {

    /** Why a peer's clients were read again from Redis (the {@code reason} tag). */
    public enum ResyncReason {
        /** A peer this node had not followed yet (it joined, or this node started). */
        NEW_PEER,
        /** Its feed subscription was made again (messages may have been missed meanwhile). */
        SUBSCRIBED,
        /** A feed message's sequence number was not the previous one plus one. */
        SEQ_GAP,
        /** The peer started a new life. */
        INCARNATION,
        /** The peer's heartbeat reported feed messages that did not arrive for three heartbeat intervals. */
        FEED_SEQ,
        /** Nothing came from a live peer for three heartbeat intervals. */
        SILENT,
        /** Messages were dropped because a queue was full. */
        OVERFLOW
    }

    private static final String[] DIRECTIONS = {"published", "received"};

    private final Counter[] resyncs = new Counter[ResyncReason.values().length];
    private final Counter[] messages = new Counter[2];
    private final Counter[] bytes = new Counter[2];
    private final Counter[] records = new Counter[2];
    private final Counter[] commands = new Counter[CommandResult.values().length];
    private final Counter[] served = new Counter[CommandResult.values().length];
    private @Nullable Timer lag;
    private @Nullable Timer commandLatency;
    private boolean bound;

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        for (ResyncReason r : ResyncReason.values()) {
            resyncs[r.ordinal()] = Meters.counter(GatewayMeters.FLEET_RESYNCS)
                    .tag("reason", Meters.tag(r))
                    .register(registry);
        }
        for (int d = 0; d < DIRECTIONS.length; d++) {
            messages[d] = Meters.counter(GatewayMeters.FLEET_FEED_MESSAGES)
                    .tag("direction", DIRECTIONS[d])
                    .register(registry);
            bytes[d] = Meters.counter(GatewayMeters.FLEET_FEED_BYTES)
                    .tag("direction", DIRECTIONS[d])
                    .register(registry);
            records[d] = Meters.counter(GatewayMeters.FLEET_FEED_RECORDS)
                    .tag("direction", DIRECTIONS[d])
                    .register(registry);
        }
        for (CommandResult r : CommandResult.values()) {
            commands[r.ordinal()] = Meters.counter(GatewayMeters.FLEET_COMMANDS)
                    .tag("result", Meters.tag(r))
                    .register(registry);
            served[r.ordinal()] = Meters.counter(GatewayMeters.FLEET_COMMANDS_SERVED)
                    .tag("result", Meters.tag(r))
                    .register(registry);
        }
        lag = Meters.timer(GatewayMeters.FLEET_VIEW_LAG)
                .serviceLevelObjectives(
                        millis(10),
                        millis(25),
                        millis(50),
                        millis(100),
                        millis(150),
                        millis(250),
                        millis(500),
                        millis(1000),
                        millis(2500),
                        millis(5000))
                .register(registry);
        commandLatency = Meters.timer(GatewayMeters.FLEET_COMMAND_DURATION)
                .serviceLevelObjectives(
                        millis(1),
                        millis(2),
                        millis(5),
                        millis(10),
                        millis(25),
                        millis(50),
                        millis(100),
                        millis(500),
                        millis(2000))
                .register(registry);
    }

    private static Duration millis(long n) {
        return Duration.ofMillis(n);
    }

    /** A peer's clients are read again from Redis, for {@code reason}. */
    public void resync(ResyncReason reason) {
        increment(resyncs[reason.ordinal()], 1);
    }

    /** This node published a feed message of {@code n} bytes with {@code clients} records. */
    public void published(int n, int clients) {
        increment(messages[0], 1);
        increment(bytes[0], n);
        increment(records[0], clients);
    }

    /** A feed message of {@code n} bytes with {@code clients} records arrived from a peer. */
    public void received(int n, int clients) {
        increment(messages[1], 1);
        increment(bytes[1], n);
        increment(records[1], clients);
    }

    /** A peer's feed message was applied {@code millis} after the peer published it. */
    public void lag(long millis) {
        Timer t = lag;
        if (t != null) {
            t.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
        }
    }

    /** A command for a client held by another node ended with {@code result} after {@code nanos}. */
    public void command(CommandResult result, long nanos) {
        increment(commands[result.ordinal()], 1);
        Timer t = commandLatency;
        if (t != null && result != CommandResult.NO_ANSWER) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** This node delivered a command another node asked for, with {@code result}. */
    public void served(CommandResult result) {
        increment(served[result.ordinal()], 1);
    }

    private static void increment(@Nullable Counter c, double n) {
        if (c != null) {
            c.increment(n);
        }
    }
}
