package io.serpentis.gateway.internal;

import io.netty.channel.unix.Errors;
import io.netty.handler.codec.PrematureChannelClosureException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

/** Sorts I/O failures into expected (a peer went away; log at DEBUG) and the rest (log at WARN). */
public final class ChannelErrors {
    private ChannelErrors() {}

    /**
     * Whether {@code cause} is the ordinary noise of peers that reset or vanish, mid-message included (Netty's
     * aggregators report a connection closed inside a message as a {@link PrematureChannelClosureException}).
     */
    public static boolean isExpected(Throwable cause) {
        if (cause instanceof ClosedChannelException
                || cause instanceof Errors.NativeIoException
                || cause instanceof PrematureChannelClosureException) {
            return true;
        }
        if (cause instanceof SocketException || cause instanceof IOException) {
            String m = cause.getMessage();
            return m != null
                    && (m.contains("reset")
                            || m.contains("Broken pipe")
                            || m.contains("closed")
                            || m.contains("Connection timed out"));
        }
        return false;
    }
}
