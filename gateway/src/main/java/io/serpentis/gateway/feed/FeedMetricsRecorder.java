package io.serpentis.gateway.feed;

/**
 * What the dashboard feed and its viewers report as they work, in this package's own words. The metrics package
 * implements it and turns each event into a meter (reactor-netty's {@code ChannelMetricsRecorder} shape), so the
 * feed needs neither Micrometer nor the metrics package, and the tag words ({@link SnapshotReason},
 * {@link DropReason}) live here.
 *
 * <p>Implementations are thread-safe and cheap (no tag lookup, no allocation): they are called on the feed thread
 * and on the viewers' event loops.
 */
public interface FeedMetricsRecorder {

    /** A viewer joined the feed. */
    void viewerAdded();

    /** A viewer left the feed. */
    void viewerRemoved();

    /** The feed encoded a delta carrying {@code clients} changed or removed clients. */
    void deltaEncoded(int clients);

    /** A delta was written to a viewer. */
    void deltaSent();

    /** A delivery was skipped: the viewer's connection was not writable. */
    void deltaSkipped();

    /** The feed encoded a snapshot. */
    void snapshotEncoded();

    /** A snapshot was written to a viewer. */
    void snapshotSent(SnapshotReason reason);

    /** A skipped viewer was brought back in sync from the history of recent deltas. */
    void resyncedFromHistory();

    /** A skipped viewer was brought back in sync by a snapshot. */
    void resyncedBySnapshot();

    /** The feed closed a viewer. */
    void viewerDropped(DropReason reason);

    /** One tick of the feed took {@code nanos}. */
    void tick(long nanos);
}
