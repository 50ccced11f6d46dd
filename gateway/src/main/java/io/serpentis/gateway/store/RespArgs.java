package io.serpentis.gateway.store;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A command's arguments, encoded once as RESP bulk strings into one byte array as they are added, for the write
 * path's commands: Lettuce then copies the array into its buffer ({@link #encode}) instead of encoding each argument
 * on its event loop.
 *
 * <p>Why: Lettuce's {@link CommandArgs} keeps one object per argument and encodes each through the codec when the
 * command is written; with {@link StringCodec#UTF8} (whose size estimate is not exact) that takes a pooled
 * temporary buffer per argument. Profiled at 1,000 x 4 in fleet mode, that encoding was about 3.3 us of Lettuce's
 * event loop per client written, most of Lettuce's share of persistence (see BENCHMARKS.md). Here an argument is a
 * header and a copy of its characters (numbers are written as digits without a {@code String}), and the writer
 * thread that builds a burst pays for it.
 *
 * <p>Lettuce reads a command's arguments through {@link #count()} and {@link #encode(ByteBuf)} (the array header
 * and the bytes), and routes a command on Redis Cluster by {@link #getFirstEncodedKey()}; those are overridden,
 * and the superclass's own argument list stays empty. An instance may be encoded many times (Lettuce writes a
 * command again after a reconnect), and its bytes never change once it is handed to Lettuce.
 *
 * <p>Not thread-safe: built by one thread, then handed over with the command.
 */
final class RespArgs extends CommandArgs<String, String> {
    private static final byte[] CRLF = {'\r', '\n'};

    private byte[] bytes;
    private int length;
    private int count;
    private int keys;
    private int firstKeyStart = -1;
    private int firstKeyLength;

    /** Empty arguments with room for about {@code capacity} bytes (the array grows as needed). */
    RespArgs(int capacity) {
        super(StringCodec.UTF8);
        bytes = new byte[Math.max(16, capacity)];
    }

    /** Empty arguments. */
    RespArgs() {
        this(64);
    }

    /** A whole script call, {@code sha numkeys key... arg...}: {@code keys} holds only keys. */
    static RespArgs script(String sha, RespArgs keys, RespArgs args) {
        return new RespArgs(64 + keys.length + args.length)
                .arg(sha)
                .arg(keys.keys)
                .append(keys)
                .append(args);
    }

    /** Adds a key: the first key added routes the command on Redis Cluster. */
    RespArgs key(String key) {
        int start = bulk(key);
        keys++;
        if (firstKeyStart < 0) {
            firstKeyStart = start;
            firstKeyLength = length - 2 - start;
        }
        return this;
    }

    /** Adds {@code s} as a bulk string, UTF-8 encoded. */
    RespArgs arg(String s) {
        bulk(s);
        return this;
    }

    /** Adds {@code s} as a bulk string, UTF-8 encoded; returns where its bytes start. */
    private int bulk(String s) {
        // For an ASCII string, the JDK's UTF-8 encoding is one array copy (an intrinsic); so is the copy below.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        header(utf8.length);
        int start = length;
        ensure(utf8.length + 2);
        System.arraycopy(utf8, 0, bytes, length, utf8.length);
        length += utf8.length;
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        count++;
        return start;
    }

    /** Adds {@code v} as a bulk string of its decimal digits. */
    RespArgs arg(long v) {
        if (v == Long.MIN_VALUE) {
            return arg(Long.toString(v));
        }
        int digits = digits(v);
        header(digits);
        ensure(digits + 2);
        writeDecimal(v, digits);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        count++;
        return this;
    }

    /** Adds every argument of {@code other} after this one's (its first key routes only if this had none). */
    RespArgs append(RespArgs other) {
        ensure(other.length);
        if (firstKeyStart < 0 && other.firstKeyStart >= 0) {
            firstKeyStart = length + other.firstKeyStart;
            firstKeyLength = other.firstKeyLength;
        }
        System.arraycopy(other.bytes, 0, bytes, length, other.length);
        length += other.length;
        count += other.count;
        keys += other.keys;
        return this;
    }

    /** Empties these arguments for reuse (only while no command holds them). */
    void clear() {
        length = 0;
        count = 0;
        keys = 0;
        firstKeyStart = -1;
    }

    /** How many of the arguments are keys (added with {@link #key}). */
    int keyCount() {
        return keys;
    }

    /** The number of encoded bytes (what {@link #encode} writes). */
    int byteLength() {
        return length;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public void encode(ByteBuf buf) {
        buf.writeBytes(bytes, 0, length);
    }

    @Override
    public @Nullable ByteBuffer getFirstEncodedKey() {
        // A copy from index 0: Lettuce's SlotHash reads array() as if the key started there (a hash tag's position
        // too). Only Redis Cluster asks, once per command.
        return firstKeyStart < 0
                ? null
                : ByteBuffer.wrap(Arrays.copyOfRange(bytes, firstKeyStart, firstKeyStart + firstKeyLength));
    }

    /** The arguments decoded back, in order (for tests and logs). */
    List<String> strings() {
        List<String> out = new ArrayList<>(count);
        int p = 0;
        while (p < length) {
            int crlf = p + 1;
            while (bytes[crlf] != '\r') {
                crlf++;
            }
            int n = Integer.parseInt(new String(bytes, p + 1, crlf - p - 1, StandardCharsets.US_ASCII));
            out.add(new String(bytes, crlf + 2, n, StandardCharsets.UTF_8));
            p = crlf + 2 + n + 2;
        }
        return out;
    }

    @Override
    public String toCommandString() {
        return String.join(" ", strings());
    }

    @Override
    public String toString() {
        return "RespArgs[" + count + " arguments, " + length + " bytes]";
    }

    /** Writes {@code $<n>\r\n}. */
    private void header(int n) {
        ensure(24);
        bytes[length++] = '$';
        writeDecimal(n, digits(n));
        bytes[length++] = CRLF[0];
        bytes[length++] = CRLF[1];
    }

    /** Writes {@code v} (not {@link Long#MIN_VALUE}) as {@code digits} characters, a sign included. */
    private void writeDecimal(long v, int digits) {
        int end = length + digits;
        long u = v;
        if (u < 0) {
            bytes[length] = '-';
            u = -u;
        }
        int p = end;
        do {
            bytes[--p] = (byte) ('0' + (u % 10));
            u /= 10;
        } while (u != 0);
        length = end;
    }

    /** The characters {@code v} (not {@link Long#MIN_VALUE}) takes in decimal, a sign included. */
    private static int digits(long v) {
        long u = Math.abs(v);
        int d = 1;
        while (u >= 10) {
            u /= 10;
            d++;
        }
        return v < 0 ? d + 1 : d;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
