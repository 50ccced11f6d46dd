package io.serpentis.gateway.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Wall-clock time as the original writes it: ISO-8601 UTC with microseconds and {@code +00:00}, e.g.
 * {@code 2026-11-28T17:45:15.362341+00:00}. Unlike Python's {@code isoformat()} the fraction is always present,
 * so the text has one fixed width.
 */
public final class Timestamps {
    private Timestamps() {}

    /** The current time in microseconds since the epoch. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Formats epoch microseconds, e.g. {@code 2026-11-28T17:45:15.362341+00:00}. */
    public static String format(long epochMicros) {
        long seconds = Math.floorDiv(epochMicros, 1_000_000L);
        int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        char[] c = new char[32];
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            return t.toString() + "+00:00";
        }
        digits(c, 0, year, 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, micros, 6);
        c[26] = '+';
        c[27] = '0';
        c[28] = '0';
        c[29] = ':';
        c[30] = '0';
        c[31] = '0';
        return new String(c);
    }

    /**
     * Reads an ISO-8601 time with an offset (ours, or the original's, which omits a zero fraction) as epoch
     * microseconds; {@code fallback} when absent or unreadable.
     */
    public static long parseMicros(@Nullable String text, long fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            Instant t = OffsetDateTime.parse(text).toInstant();
            return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
