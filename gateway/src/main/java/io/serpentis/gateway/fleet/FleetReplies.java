package io.serpentis.gateway.fleet;

import io.serpentis.gateway.internal.Timestamps;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reading the fleet scripts' replies: elements as text, numbers as Redis writes them, times for people. */
final class FleetReplies {
    private FleetReplies() {}

    /** {@code epochMillis} (text, possibly empty) as an ISO-8601 time; empty when it is. */
    static String iso(String epochMillis) {
        return epochMillis.isEmpty() ? "" : Timestamps.format(num(epochMillis) * 1000);
    }

    /** Element {@code i} of reply {@code r} as text; empty when it is missing or nil. */
    static String str(List<?> r, int i) {
        return i < r.size() && r.get(i) != null ? String.valueOf(r.get(i)) : "";
    }

    /** {@code s} as a whole number (a Lua number may come as {@code 1.7e12}); 0 when absent or not a number. */
    static long num(@Nullable String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return (long) Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code s} as a rate: a finite, non-negative number; 0 when absent, not a number, negative or infinite. */
    static double rate(@Nullable String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            double d = Double.parseDouble(s);
            return Double.isFinite(d) && d > 0 ? d : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
