package io.serpentis.gateway.feed;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.logging.ConnectionLog;
import io.serpentis.gateway.ws.WsCloseCodes;
import io.serpentis.gateway.ws.WsCloseHandshake;
import io.serpentis.gateway.ws.WsConnection;
import io.serpentis.gateway.ws.WsMessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dashboard viewer's connection: what it has been sent (the sequence number of the last delta), whether it
 * waits for a snapshot, and its slow-consumer policy. Created by {@link DashboardViewerHandler} when the handshake
 * completes; closes through its {@link WsCloseHandshake}, as every WebSocket connection does.
 *
 * <p>Threading: confined to the channel's event loop, except {@link #deliveredSeq()}, {@link #wantsSnapshot()} and
 * {@link #isWritable()}, which the feed thread reads (volatile) to decide what to send, the snapshot-queued mark,
 * which the feed thread sets and the delivery that carries the snapshot clears, and {@link #shutdown()}.
 */
public final class DashboardViewer implements WsConnection {
    /** The viewer of a dashboard channel, once upgraded. */
    public static final AttributeKey<DashboardViewer> KEY = AttributeKey.valueOf(DashboardViewer.class, "viewer");

    private static final Logger log = LoggerFactory.getLogger(DashboardViewer.class);

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final DashboardFeed feed;
    private final FeedConfig config;
    private final FeedMetricsRecorder metrics;
    private final WsCloseHandshake handshake;

    private volatile long deliveredSeq = -1;
    private volatile boolean wantsSnapshot = true;
    /**
     * A delivery carrying a snapshot for this viewer waits in its event loop's queue: no other snapshot is encoded
     * for it until that one ran, so a viewer whose loop stalls holds at most one snapshot, not one per tick.
     */
    private volatile boolean snapshotQueued;

    private SnapshotReason snapshotReason = SnapshotReason.CONNECT;
    /** Skipped at least once since it was last sent something: the next delivery resyncs it. */
    private boolean behind;

    private boolean written;
    private @Nullable ScheduledFuture<?> slowViewerCheck;

    DashboardViewer(ChannelHandlerContext ctx, DashboardFeed feed, WsConfig wsConfig) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.feed = feed;
        this.config = feed.config();
        this.metrics = feed.metrics();
        this.handshake = new WsCloseHandshake(ctx, wsConfig.closeTimeout(), WsCloseHandshake.Listener.NONE);
    }

    @Override
    public WsCloseHandshake handshake() {
        return handshake;
    }

    /** A viewer speaks for no client. */
    @Override
    public @Nullable String clientId() {
        return null;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** The sequence number of the last delta (or snapshot) written; -1 before the first snapshot. Any thread. */
    long deliveredSeq() {
        return deliveredSeq;
    }

    /** Whether the next delivery must be a snapshot. Any thread. */
    boolean wantsSnapshot() {
        return wantsSnapshot;
    }

    /** Whether the channel accepts writes without going over its high watermark. Any thread. */
    boolean isWritable() {
        return channel.isWritable();
    }

    /**
     * Whether the next pass should encode a snapshot for this viewer: it can take one now (writable, none queued
     * for it already) and wants one or cannot catch up from deltas after {@code oldestUsable}. Feed thread.
     */
    boolean needsSnapshot(long oldestUsable) {
        return !snapshotQueued && channel.isWritable() && (wantsSnapshot || deliveredSeq < oldestUsable);
    }

    /** A delivery carrying a snapshot for this viewer was queued on its event loop. Feed thread. */
    void snapshotQueued() {
        snapshotQueued = true;
    }

    /** The delivery that carried this viewer's snapshot ran (or was dropped). Its event loop. */
    void snapshotDequeued() {
        snapshotQueued = false;
    }

    /**
     * Writes what this viewer has not seen: the snapshot if it needs one (or cannot catch up from {@code window}),
     * then the deltas of {@code window} after what it has. Skips an unwritable viewer. Does not flush. The caller
     * keeps ownership of the buffers; each write takes a retained duplicate.
     */
    void deliver(List<DashboardFeed.Delta> window, DashboardFeed.@Nullable Snapshot snapshot, long seq) {
        if (!handshake.isOpen() || !channel.isActive()) {
            return;
        }
        long have = deliveredSeq;
        if (!wantsSnapshot && have >= seq) {
            return;
        }
        if (!channel.isWritable()) {
            behind = true; // RFC 6455 has no flow control of its own: skip rather than buffer without bound
            metrics.deltaSkipped();
            return;
        }
        boolean fromHistory =
                !wantsSnapshot && !window.isEmpty() && window.get(0).seq() <= have + 1;
        if (!fromHistory) {
            if (snapshot == null) {
                if (!wantsSnapshot) {
                    wantsSnapshot = true;
                    snapshotReason = SnapshotReason.RESYNC;
                    feed.requestPass();
                }
                return;
            }
            for (ByteBuf part : snapshot.parts()) {
                ctx.write(new TextWebSocketFrame(part.retainedDuplicate()), ctx.voidPromise());
            }
            written = true;
            have = snapshot.seq();
            wantsSnapshot = false;
            metrics.snapshotSent(behind ? SnapshotReason.RESYNC : snapshotReason);
            if (behind) {
                metrics.resyncedBySnapshot();
                behind = false;
            }
        }
        for (DashboardFeed.Delta d : window) {
            if (d.seq() == have + 1) {
                ctx.write(new TextWebSocketFrame(d.bytes().retainedDuplicate()), ctx.voidPromise());
                written = true;
                have = d.seq();
                metrics.deltaSent();
            }
        }
        if (behind) {
            metrics.resyncedFromHistory();
            behind = false;
        }
        deliveredSeq = have;
    }

    /** Flushes once after a delivery that wrote anything. */
    void flushIfWritten() {
        if (written) {
            written = false;
            ctx.flush();
        }
    }

    /** A text message from the viewer: {@code {"type": "snapshot"}} asks for a snapshot. The caller releases it. */
    @Override
    public void onText(ByteBuf content) {
        if (!handshake.isOpen()) {
            return;
        }
        String text = content.toString(StandardCharsets.UTF_8).replace(" ", "");
        if (text.equals("{\"type\":\"snapshot\"}")) {
            if (!wantsSnapshot) {
                wantsSnapshot = true;
                snapshotReason = SnapshotReason.REQUESTED;
            }
            feed.requestPass();
            return;
        }
        if (channel.isWritable()) { // a viewer that does not read its answers is not sent more of them
            ctx.writeAndFlush(new TextWebSocketFrame(WsMessageCodec.encodeError(
                    ctx.alloc(), "Unknown message; the dashboard feed accepts only {\"type\": \"snapshot\"}")));
        }
    }

    /** A binary message: the feed speaks JSON text (1003). */
    @Override
    public void onBinary() {
        handshake.sendClose(WsCloseCodes.BINARY_UNSUPPORTED);
    }

    /**
     * Reacts to the channel's writability: a viewer that stays unwritable for the slow-viewer timeout is closed;
     * one that drains cancels that check (a viewer flipping often leaves no timers behind) and catches up.
     */
    @Override
    public void onWritabilityChanged(boolean writable) {
        if (!writable) {
            if (slowViewerCheck == null && channel.isActive()) {
                slowViewerCheck = ctx.executor()
                        .schedule(
                                this::dropIfStillStuck,
                                config.slowViewerTimeout().toNanos(),
                                TimeUnit.NANOSECONDS);
            }
            return;
        }
        cancelSlowViewerCheck();
        if (behind || wantsSnapshot) {
            feed.requestPass(); // catch up now rather than at the next tick
        }
    }

    private void cancelSlowViewerCheck() {
        if (slowViewerCheck != null) {
            slowViewerCheck.cancel(false);
            slowViewerCheck = null;
        }
    }

    private void dropIfStillStuck() {
        slowViewerCheck = null;
        if (!channel.isWritable() && channel.isActive() && handshake.isOpen()) {
            ConnectionLog.info(
                    log,
                    channel,
                    null,
                    "dashboard viewer {} did not read for {} ms; closing with {}",
                    channel.remoteAddress(),
                    config.slowViewerTimeout().toMillis(),
                    WsCloseCodes.VIEWER_TOO_SLOW.code());
            metrics.viewerDropped(DropReason.SLOW);
            handshake.sendClose(WsCloseCodes.VIEWER_TOO_SLOW);
        }
    }

    @Override
    public void onTimedOut() {
        handshake.closeSilentPeer(WsCloseCodes.LIVENESS_TIMEOUT);
    }

    @Override
    public void onCloseSentByDecoder(WebSocketCloseStatus status) {
        handshake.onCloseSentByDecoder(status);
    }

    @Override
    public void onTooBig() {
        handshake.sendClose(WsCloseCodes.TOO_BIG);
    }

    @Override
    public void onInternalError() {
        handshake.sendClose(WsCloseCodes.INTERNAL_ERROR);
    }

    /** The channel closed: the viewer leaves the feed. */
    @Override
    public void onInactive() {
        cancelSlowViewerCheck();
        feed.removeViewer(this);
    }

    /** Starts a graceful close because the gateway is stopping. Any thread. */
    public void shutdown() {
        try {
            channel.eventLoop().execute(() -> handshake.sendClose(WsCloseCodes.GOING_AWAY));
        } catch (RejectedExecutionException e) {
            channel.close();
        }
    }
}
