package io.serpentis.gateway.registry;

import org.jspecify.annotations.Nullable;

/**
 * What the registry did with a {@link StatusUpdate}.
 *
 * @param kind the outcome
 * @param error for {@link Kind#REJECTED}, the message sent back to the client
 * @param version the client's record version that includes the update (0 when rejected): once the store holds
 *     that version or a newer one, the update is durable
 */
public record UpdateOutcome(Kind kind, @Nullable String error, long version) {
    /** Checks that {@code error} is given exactly for {@link Kind#REJECTED}. */
    public UpdateOutcome {
        if ((kind == Kind.REJECTED) != (error != null)) {
            throw new IllegalArgumentException("a rejection, and only a rejection, has an error");
        }
    }

    /** The update was merged, as {@code version}, into a client this connection already held. */
    public static UpdateOutcome updated(long version) {
        return new UpdateOutcome(Kind.UPDATED, null, version);
    }

    /** The update registered the id for this connection ({@code connected}, {@code connect_time} set). */
    public static UpdateOutcome registered(long version) {
        return new UpdateOutcome(Kind.REGISTERED, null, version);
    }

    /** The update was refused; nothing of it was stored. */
    public static UpdateOutcome rejected(String error) {
        return new UpdateOutcome(Kind.REJECTED, error, 0);
    }

    /** Outcomes. */
    public enum Kind {
        UPDATED,
        REGISTERED,
        REJECTED
    }
}
