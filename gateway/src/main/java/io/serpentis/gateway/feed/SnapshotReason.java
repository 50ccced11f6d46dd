package io.serpentis.gateway.feed;

/** Why a dashboard viewer was sent a full snapshot: a closed set, counted as a metric tag. */
public enum SnapshotReason {
    /** The viewer just connected. */
    CONNECT,
    /** The viewer asked for one ({@code {"type": "snapshot"}}). */
    REQUESTED,
    /** The viewer was skipped and fell behind the history of recent deltas. */
    RESYNC
}
