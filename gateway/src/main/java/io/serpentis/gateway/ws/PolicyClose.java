package io.serpentis.gateway.ws;

/** Why the gateway closed a {@code /ws} connection with 1008: a closed set, counted as a metric tag. */
public enum PolicyClose {
    /** Messages kept being refused for {@code --rate-limit-close-after}. */
    RATE_LIMIT,
    /** Replies left unread for {@code --slow-consumer-timeout}. */
    SLOW_CONSUMER,
    /** A {@code client_id} other than the token's subject. */
    SUBJECT_MISMATCH,
    /** The connection's JWT expired. */
    TOKEN_EXPIRED
}
