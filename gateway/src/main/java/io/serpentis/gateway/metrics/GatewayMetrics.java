package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

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

    private final MeterRegistry registry;
    private final Map<RejectKind, Counter> rejected = new EnumMap<>(RejectKind.class);

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectKind k : RejectKind.values()) {
            rejected.put(k, Counter.builder(GatewayMeters.WS_MESSAGES_REJECTED.meterName())
                    .description(GatewayMeters.WS_MESSAGES_REJECTED.description())
                    .tag("kind", k.tag)
                    .register(registry));
        }
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Counts a refused message. */
    public void rejected(RejectKind kind) {
        rejected.get(kind).increment();
    }
}
