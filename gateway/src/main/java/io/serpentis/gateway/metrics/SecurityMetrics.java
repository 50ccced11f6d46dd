package io.serpentis.gateway.metrics;

import static io.serpentis.gateway.metrics.Meters.counter;
import static io.serpentis.gateway.metrics.Meters.tag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.serpentis.gateway.security.RefusalReason;

/**
 * The access and abuse defences' meter: {@code gateway.security.refusals}, by {@link RefusalReason}. (Connections
 * closed for breaking a policy after they opened are the status protocol's: {@link WsMetrics}.) Bind once, before
 * the first event; thread-safe afterwards.
 */
public final class SecurityMetrics implements MeterBinder {
    private final Counter[] refusals = new Counter[RefusalReason.values().length];
    private boolean bound;

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters.checkUnbound(bound, this);
        bound = true;
        for (RefusalReason r : RefusalReason.values()) {
            refusals[r.ordinal()] = counter(GatewayMeters.SECURITY_REFUSALS)
                    .tag("reason", tag(r))
                    .register(registry);
        }
    }

    /** Counts something the access and abuse defences refused. */
    public void refused(RefusalReason reason) {
        refusals[reason.ordinal()].increment();
    }
}
