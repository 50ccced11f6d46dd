package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;

/** What the binders share: builders that take name, description and unit from {@link GatewayMeters}, and tags. */
final class Meters {

    private Meters() {}

    static Counter.Builder counter(GatewayMeters meter) {
        return Counter.builder(meter.meterName())
                .description(meter.description())
                .baseUnit(meter.baseUnit());
    }

    static Timer.Builder timer(GatewayMeters meter) {
        return Timer.builder(meter.meterName()).description(meter.description());
    }

    /** The tag value of an enum constant: its name in lower case ({@code RATE_LIMITED} is {@code rate_limited}). */
    static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** Throws when a binder whose hot paths hold resolved meters is bound a second time. */
    static void checkUnbound(boolean bound, Object binder) {
        if (bound) {
            throw new IllegalStateException(binder.getClass().getSimpleName() + " is bound to one registry only "
                    + "(bind it to a CompositeMeterRegistry to publish to several)");
        }
    }

    static Duration micros(long n) {
        return Duration.ofNanos(n * 1_000);
    }

    static Duration millis(double n) {
        return Duration.ofNanos((long) (n * 1_000_000));
    }

    /** Histogram bucket bounds, written in milliseconds (fractions allowed), in increasing order. */
    static Duration[] millisBuckets(double... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = millis(bounds[i]);
        }
        return out;
    }
}
