package io.serpentis.gateway.command;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Why a command {@link ReceiptState#FAILED failed}. */
public enum FailureReason {
    /** No connection held the client when the command was sent (or the client is unknown). */
    NOT_CONNECTED,
    /** The node that holds the client did not answer in time; whether the frame went out is unknown. */
    NODE_LOST,
    /** The client's connection ended before the command was written, or before the client acknowledged it. */
    CONNECTION_CLOSED,
    /** Delivered, but not acknowledged within the acknowledgement timeout. */
    TIMED_OUT;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The reason as the API writes it, such as {@code not_connected}. */
    public String wireName() {
        return wireName;
    }

    /** The reason with this wire name, or {@code null}. */
    public static @Nullable FailureReason fromWireName(@Nullable String name) {
        for (FailureReason r : values()) {
            if (r.wireName.equals(name)) {
                return r;
            }
        }
        return null;
    }
}
