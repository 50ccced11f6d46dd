package io.serpentis.gateway.feed;

import io.serpentis.gateway.feed.DashboardFeed.Delta;
import io.serpentis.gateway.feed.DashboardFeed.Snapshot;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one event loop must write to its viewers after one tick or pass of the {@link DashboardFeed}: the deltas they
 * have not seen and, for those that need one, a snapshot encoded once. Runs on that loop; owns one reference to each
 * delta and to the snapshot, released when it has run (or when the loop refused it).
 */
final class FeedDelivery implements Runnable {
    private final List<DashboardViewer> viewers;
    private final List<Delta> window;
    private final @Nullable Snapshot snapshot;
    /** The viewers the snapshot was encoded for, marked as having it queued until this delivery is done. */
    private final List<DashboardViewer> snapshotFor;

    private final long seq;

    FeedDelivery(
            List<DashboardViewer> viewers,
            List<Delta> window,
            @Nullable Snapshot snapshot,
            List<DashboardViewer> snapshotFor,
            long seq) {
        this.viewers = viewers;
        this.window = window;
        this.snapshot = snapshot;
        this.snapshotFor = snapshotFor;
        this.seq = seq;
    }

    @Override
    public void run() {
        try {
            for (DashboardViewer v : viewers) {
                v.deliver(window, snapshot, seq);
            }
            for (DashboardViewer v : viewers) {
                v.flushIfWritten();
            }
        } finally {
            release();
        }
    }

    void release() {
        for (Delta d : window) {
            d.bytes().release();
        }
        if (snapshot != null) {
            snapshot.release();
        }
        snapshotFor.forEach(DashboardViewer::snapshotDequeued);
    }
}
