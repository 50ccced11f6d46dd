package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * A number written as JSON writes it ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}), compared exactly
 * with the text of another: {@code 90 == 90.0 == 9e1}, {@code 0.1 < 0.10000000000000000001}, with no rounding and
 * no length limit on the digits. A client's values are stored as their JSON text, so this is how a stored number
 * is read. Exponents beyond nine digits are not read as numbers (they would not fit the arithmetic, and no real
 * status carries one).
 *
 * <p>The parsed side ({@link #parse}) is the query's value, read once; the other side is read in place from the
 * stored text by {@link #compare}, which allocates nothing: it finds the sign and the order of magnitude (the
 * exponent of the first significant digit) in one pass and compares digits in a second only when those agree.
 * A value: two are equal when they are the same number. Immutable; thread-safe.
 *
 * @param signum -1, 0 or 1
 * @param magnitude the power of ten of the first significant digit: 2 for 123, -2 for 0.05
 * @param digits the significant digits, without leading or trailing zeros (empty for zero)
 */
record DecimalText(int signum, long magnitude, String digits) {
    /** What {@link #compare} answers when the text is not a number. */
    static final int NOT_A_NUMBER = Integer.MIN_VALUE;

    private static final long INVALID = Long.MIN_VALUE;
    private static final long ZERO = Long.MIN_VALUE + 1;
    private static final long MAX_EXPONENT = 999_999_999L;

    /** {@code text} as a number, or {@code null} when it is not one. */
    static @Nullable DecimalText parse(String text) {
        long scanned = scan(text);
        if (scanned == INVALID) {
            return null;
        }
        if (scanned == ZERO) {
            return new DecimalText(0, 0, "");
        }
        StringBuilder significant = new StringBuilder();
        int end = text.length();
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                break;
            }
            if (c >= '0' && c <= '9' && (c != '0' || !significant.isEmpty())) {
                significant.append(c);
            }
        }
        int length = significant.length();
        while (significant.charAt(length - 1) == '0') {
            length--;
        }
        significant.setLength(length);
        return new DecimalText((scanned & 1) != 0 ? -1 : 1, scanned >> 1, significant.toString());
    }

    /**
     * Compares the number {@code text} holds with {@code other}: negative, zero or positive as it is smaller, equal
     * or larger; {@link #NOT_A_NUMBER} when {@code text} is not a number. Allocates nothing.
     */
    static int compare(String text, DecimalText other) {
        long scanned = scan(text);
        if (scanned == INVALID) {
            return NOT_A_NUMBER;
        }
        int signum = scanned == ZERO ? 0 : (scanned & 1) != 0 ? -1 : 1;
        if (signum != other.signum || signum == 0) {
            return Integer.compare(signum, other.signum);
        }
        long magnitude = scanned >> 1;
        int abs = magnitude != other.magnitude
                ? Long.compare(magnitude, other.magnitude)
                : compareDigits(text, other.digits);
        return signum > 0 ? abs : -abs;
    }

    /**
     * Validates {@code s} as a JSON number and reads its sign and magnitude: {@link #INVALID}, {@link #ZERO}, or
     * {@code magnitude << 1 | (negative ? 1 : 0)}. The magnitude stays within about ±3.2e9 (nine exponent digits
     * plus a string's length), so the packed value never meets the two sentinels.
     */
    private static long scan(String s) {
        int n = s.length();
        int i = 0;
        boolean negative = false;
        if (i < n && s.charAt(i) == '-') {
            negative = true;
            i++;
        }
        if (i >= n) {
            return INVALID;
        }
        // integer part: 0, or a digit 1-9 and more digits
        int intStart = i;
        char first = s.charAt(i);
        if (first == '0') {
            i++;
        } else if (first >= '1' && first <= '9') {
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            return INVALID;
        }
        int intLength = i - intStart;
        // position of the first significant digit among the integer and fraction digits together
        long firstSignificant = first == '0' ? -1 : 0;
        if (i < n && s.charAt(i) == '.') {
            int fracStart = ++i;
            while (i < n && isDigit(s.charAt(i))) {
                if (firstSignificant < 0 && s.charAt(i) != '0') {
                    firstSignificant = intLength + (i - fracStart);
                }
                i++;
            }
            if (i == fracStart) {
                return INVALID;
            }
        }
        long exponent = 0;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                negativeExponent = s.charAt(i) == '-';
                i++;
            }
            int expStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                exponent = exponent * 10 + (s.charAt(i) - '0');
                if (exponent > MAX_EXPONENT) {
                    return INVALID;
                }
                i++;
            }
            if (i == expStart) {
                return INVALID;
            }
            exponent = negativeExponent ? -exponent : exponent;
        }
        if (i != n) {
            return INVALID;
        }
        if (firstSignificant < 0) {
            return ZERO;
        }
        long magnitude = intLength - 1 - firstSignificant + exponent;
        return magnitude << 1 | (negative ? 1 : 0);
    }

    /**
     * Compares the significant digits of the valid, non-zero number {@code s} with {@code digits} (which has no
     * trailing zero), given that both have the same sign and magnitude.
     */
    private static int compareDigits(String s, String digits) {
        int n = s.length();
        int i = 0;
        while (s.charAt(i) < '1' || s.charAt(i) > '9') { // skips '-', leading zeros and '.'
            i++;
        }
        int k = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                continue;
            }
            if (c == 'e' || c == 'E') {
                break;
            }
            if (k == digits.length()) {
                // longer than the other: larger as soon as one more digit is not zero
                for (; i < n && s.charAt(i) != 'e' && s.charAt(i) != 'E'; i++) {
                    if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
                        return 1;
                    }
                }
                return 0;
            }
            char d = digits.charAt(k++);
            if (c != d) {
                return c < d ? -1 : 1;
            }
        }
        // shorter: the other's remaining digits end in a non-zero one
        return k < digits.length() ? -1 : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public String toString() {
        return (signum < 0 ? "-0." : "0.") + digits + "e" + (magnitude + 1);
    }
}
