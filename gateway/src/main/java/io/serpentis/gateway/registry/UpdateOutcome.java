package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * What the registry did with a {@link StatusUpdate}.
 *
 * @param kind the outcome
 * @param error for {@link Kind#REJECTED}, the message sent back to the client
 */
public record UpdateOutcome(Kind kind, @Nullable String error) {
    /** Checks that {@code error} is given exactly for {@link Kind#REJECTED}. */
    public UpdateOutcome {
        if ((kind == Kind.REJECTED) != (error != null)) {
            throw new IllegalArgumentException("a rejection, and only a rejection, has an error");
        }
    }

    /** The update was merged into a client this connection already held. */
    public static final UpdateOutcome UPDATED = new UpdateOutcome(Kind.UPDATED, null);
    /** The update registered the id for this connection ({@code connected}, {@code connect_time} set). */
    public static final UpdateOutcome REGISTERED = new UpdateOutcome(Kind.REGISTERED, null);

    /** The update was refused; nothing of it was stored. */
    public static UpdateOutcome rejected(String error) {
        return new UpdateOutcome(Kind.REJECTED, error);
    }

    /** Outcomes. */
    public enum Kind {
        UPDATED,
        REGISTERED,
        REJECTED
    }
}
