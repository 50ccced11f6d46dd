package io.serpentis.gateway.internal;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes JSON string content the way Python's {@code json.dumps} does by default ({@code ensure_ascii}): every
 * character outside printable ASCII becomes a {@code \\uXXXX} escape, so the WebSocket replies are byte for byte
 * the original's. Writes straight into a {@link ByteBuf}; no intermediate {@code String}.
 */
public final class AsciiJson {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private AsciiJson() {}

    /** Writes {@code "s"} with quotes. */
    public static void writeString(ByteBuf out, CharSequence s) {
        out.writeByte('"');
        writeContent(out, s);
        out.writeByte('"');
    }

    /** Writes the escaped content of {@code s} without quotes. */
    public static void writeContent(ByteBuf out, CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                if (c == '"' || c == '\\') {
                    out.writeByte('\\');
                }
                out.writeByte(c);
            } else {
                switch (c) {
                    case '\n' -> out.writeShort(('\\' << 8) | 'n');
                    case '\r' -> out.writeShort(('\\' << 8) | 'r');
                    case '\t' -> out.writeShort(('\\' << 8) | 't');
                    case '\b' -> out.writeShort(('\\' << 8) | 'b');
                    case '\f' -> out.writeShort(('\\' << 8) | 'f');
                    default -> {
                        out.writeShort(('\\' << 8) | 'u');
                        out.writeByte(HEX[(c >> 12) & 0xf]);
                        out.writeByte(HEX[(c >> 8) & 0xf]);
                        out.writeByte(HEX[(c >> 4) & 0xf]);
                        out.writeByte(HEX[c & 0xf]);
                    }
                }
            }
        }
    }
}
