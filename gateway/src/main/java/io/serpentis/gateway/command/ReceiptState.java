package io.serpentis.gateway.command;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where a command stands. A receipt only moves forward: {@code sent} to {@code delivered} to {@code acknowledged},
 * or to {@code failed} from {@code sent} or {@code delivered}; {@code acknowledged} and {@code failed} are final.
 */
public enum ReceiptState {
    /** Accepted: the command is on its way to the node that holds the client. */
    SENT,
    /** Its frame was written to the client's socket, on whichever node holds it. */
    DELIVERED,
    /** The client's next status carried {@code acknowledged_command} naming it. */
    ACKNOWLEDGED,
    /** It did not reach the client, or the client did not acknowledge it in time ({@link FailureReason}). */
    FAILED;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The state as the API writes it: {@code sent}, {@code delivered}, {@code acknowledged}, {@code failed}. */
    public String wireName() {
        return wireName;
    }

    /** Whether the receipt can no longer change. */
    public boolean isFinal() {
        return this == ACKNOWLEDGED || this == FAILED;
    }

    /** Whether a receipt in this state may move to {@code next}. */
    public boolean canMoveTo(ReceiptState next) {
        return switch (next) {
            case SENT -> false;
            case DELIVERED -> this == SENT;
            case ACKNOWLEDGED -> this == DELIVERED;
            case FAILED -> this == SENT || this == DELIVERED;
        };
    }

    /** The state with this wire name, or {@code null}. */
    public static @Nullable ReceiptState fromWireName(@Nullable String name) {
        for (ReceiptState s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        return null;
    }
}
