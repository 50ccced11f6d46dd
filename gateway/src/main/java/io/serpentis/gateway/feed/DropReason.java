package io.serpentis.gateway.feed;

/** Why the feed closed a dashboard viewer: a closed set, counted as a metric tag. */
public enum DropReason {
    /** It did not read for {@code --feed-slow-viewer-timeout} (4003). */
    SLOW,
    /** {@code --feed-max-viewers} were connected already (1013). */
    LIMIT
}
