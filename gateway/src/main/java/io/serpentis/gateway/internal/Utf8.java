package io.serpentis.gateway.internal;

/** UTF-8 arithmetic without encoding. */
public final class Utf8 {
    private Utf8() {}

    /** The number of bytes {@code s} takes in UTF-8 (an unpaired surrogate counts as the 3-byte replacement). */
    public static int length(CharSequence s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for two chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /**
     * Whether {@code s} is Unicode text that UTF-8 can carry: every surrogate is half of a pair, high then low. A
     * JSON escape <code>&#92;ud800</code> decodes to such a lone surrogate, which encoders silently replace (Lettuce
     * writes {@code ?}), so two different ids would become one.
     */
    public static boolean isWellFormed(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isLowSurrogate(c) || ++i == n || !Character.isLowSurrogate(s.charAt(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether {@code s} takes more than {@code limit} bytes in UTF-8; cheap when it plainly does not. */
    public static boolean exceeds(CharSequence s, int limit) {
        int n = s.length();
        if (n > limit) {
            return true;
        }
        if ((long) n * 3 <= limit) {
            return false;
        }
        return length(s) > limit;
    }
}
