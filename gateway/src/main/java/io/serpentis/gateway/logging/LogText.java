package io.serpentis.gateway.logging;

/**
 * Client-controlled text as it may appear in a log line: control characters (which could forge a line) and invisible
 * format characters (bidi overrides, zero-width characters: Unicode category Cf, which could make one id pass for
 * another in a log viewer) become {@code \\uXXXX} escapes. Thread-safe (stateless).
 */
public final class LogText {
    private LogText() {}

    /** {@code text} with control and format characters escaped; the same instance when there are none. */
    public static String escape(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (needsEscape(text.charAt(i))) {
                return escape(text, i, new StringBuilder(text.length() + 16)).toString();
            }
        }
        return text;
    }

    /** Appends {@code text} to {@code b}, escaped as {@link #escape} does. */
    static StringBuilder append(StringBuilder b, String text) {
        return escape(text, 0, b);
    }

    private static StringBuilder escape(String text, int from, StringBuilder b) {
        b.append(text, 0, from);
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (needsEscape(c)) {
                b.append("\\u");
                for (int shift = 12; shift >= 0; shift -= 4) {
                    b.append(Character.forDigit(c >> shift & 0xf, 16));
                }
            } else {
                b.append(c);
            }
        }
        return b;
    }

    private static boolean needsEscape(char c) {
        return c < 0x20
                || c == 0x7f
                || c == 0x85
                || c == 0x2028
                || c == 0x2029
                || Character.getType(c) == Character.FORMAT;
    }
}
