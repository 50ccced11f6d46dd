package io.serpentis.gateway.feed;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.ClientSnapshot;
import io.serpentis.gateway.registry.RegistryListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live dashboard feed: a {@link RegistryListener} that marks changed client ids dirty (one entry per client,
 * however often it changes), and a tick on the feed's own thread, every {@link FeedConfig#interval()}, that turns
 * the dirty ids into one delta with the next sequence number, encodes it once and hands the same bytes to every
 * viewer ({@code retainedDuplicate()}), one task per event loop, one flush per viewer.
 *
 * <p>Sequence numbers: deltas are numbered 1, 2, 3, ... without gaps; a snapshot carries the number of the last
 * delta it includes. A viewer that sees a number other than the previous plus one missed something and asks for a
 * snapshot ({@code {"type": "snapshot"}}).
 *
 * <p>Backpressure: a viewer whose channel is not writable at a tick is skipped, not buffered. The feed keeps the
 * most recent deltas (bounded by {@link FeedConfig#historyBytes()} and {@value #MAX_HISTORY_DELTAS} entries), so a
 * viewer that drains catches up from them at the next tick; one that fell further behind gets a fresh snapshot.
 * A viewer that stays unwritable for {@link FeedConfig#slowViewerTimeout()} is closed with 4003 (see
 * {@link DashboardViewer}). No snapshot is encoded for a viewer while one for it still waits in its event loop's
 * queue, so a stalled loop holds one, not one per tick. So a viewer costs at most the write-buffer watermark plus
 * one tick's (or one snapshot's) bytes, whatever the update rate.
 *
 * <p>Threading: the listener methods run on any thread and only touch a concurrent set. Draining, encoding, the
 * history and snapshots belong to the feed thread. Per-viewer state belongs to the viewer's event loop; the feed
 * reaches it only through tasks submitted to that loop, which own the buffer references they carry.
 */
public final class DashboardFeed implements RegistryListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DashboardFeed.class);

    /** Most clients in one snapshot message; larger snapshots are sent in parts. */
    static final int SNAPSHOT_PART_CLIENTS = 500;
    /** Most deltas kept for catching up, whatever their size. */
    static final int MAX_HISTORY_DELTAS = 256;

    /** An encoded delta kept for viewers that were skipped. */
    record Delta(long seq, ByteBuf bytes) {}

    /** An encoded snapshot: its parts, each a complete message, taken after delta {@code seq}. */
    record Snapshot(long seq, List<ByteBuf> parts) {
        void release() {
            parts.forEach(ByteBuf::release);
        }

        Snapshot retain() {
            parts.forEach(ByteBuf::retain);
            return this;
        }
    }

    private final ClientRegistry registry;
    private final Supplier<String> redisStatus;
    private final FeedConfig config;
    private final FeedMetricsRecorder metrics;
    private final ByteBufAllocator alloc;
    private final FeedEncoder encoder;
    private final @Nullable ScheduledExecutorService ownExecutor;
    private final Executor passExecutor;

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Set<DashboardViewer> viewers = ConcurrentHashMap.newKeySet();
    /** Whether any viewer is connected; changes are tracked only then. */
    private volatile boolean watched;

    private final AtomicBoolean passQueued = new AtomicBoolean();
    /** Set by {@link #close()} on any thread: ticks and passes that start afterwards do nothing. */
    private volatile boolean closed;

    // Feed thread only.
    private long seq;
    private final ArrayDeque<Delta> history = new ArrayDeque<>();
    private long historyBytes;
    private @Nullable String lastRedisStatus;

    /**
     * A feed; call {@link #start()} to begin ticking, unless its {@code threads} are {@link Threads#manual manual}.
     *
     * @param redisStatus the store's {@code redis_status}, read at every tick (a cheap volatile read)
     * @param json the gateway's JSON mapper, which encodes the messages
     * @param threads where the feed ticks and encodes: {@link Threads#own()} in the gateway
     */
    public DashboardFeed(
            ClientRegistry registry,
            Supplier<String> redisStatus,
            FeedConfig config,
            FeedMetricsRecorder metrics,
            ByteBufAllocator alloc,
            JsonMapper json,
            Threads threads) {
        this.registry = registry;
        this.redisStatus = redisStatus;
        this.config = config;
        this.metrics = metrics;
        this.alloc = alloc;
        this.encoder = new FeedEncoder(json);
        this.ownExecutor = threads.ticking;
        this.passExecutor = threads.passes;
        // Records that exist already (restored from the store) count from the first tick on.
        registry.forEach(r -> dirty.add(r.id()));
    }

    /** Starts ticking every {@link FeedConfig#interval()}. */
    public void start() {
        if (ownExecutor == null) {
            throw new IllegalStateException("a manual feed does not tick by itself");
        }
        long nanos = config.interval().toNanos();
        ownExecutor.scheduleAtFixedRate(this::tick, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** The configuration. */
    public FeedConfig config() {
        return config;
    }

    /** Where the feed and its viewers report what they do. */
    FeedMetricsRecorder metrics() {
        return metrics;
    }

    /** The number of connected viewers. */
    public int viewerCount() {
        return viewers.size();
    }

    // ---- RegistryListener: any thread, never blocks

    @Override
    public void changed(ClientRecord record) {
        // Nobody watching: nothing to send, and a viewer that joins starts from a snapshot anyway (taken after this
        // change, which is already in the record). Saves a set insertion per update on an unwatched gateway.
        if (watched) {
            dirty.add(record.id());
        }
    }

    @Override
    public void removed(ClientRecord record) {
        if (watched) {
            dirty.add(record.id());
        }
    }

    // ---- viewers: called from their event loops

    /** Adds a viewer, which gets a snapshot at once; {@code false} when {@link FeedConfig#maxViewers()} are on. */
    boolean addViewer(DashboardViewer viewer) {
        synchronized (viewers) {
            if (viewers.size() >= config.maxViewers()) {
                return false;
            }
            viewers.add(viewer);
            watched = true;
        }
        metrics.viewerAdded();
        requestPass();
        return true;
    }

    void removeViewer(DashboardViewer viewer) {
        synchronized (viewers) {
            if (!viewers.remove(viewer)) {
                return;
            }
            watched = !viewers.isEmpty();
        }
        metrics.viewerRemoved();
    }

    /**
     * Asks for an extra pass between ticks, which serves the viewers waiting for a snapshot (or to catch up) without
     * waiting for the next tick. Coalesced: at most one pass is queued at a time.
     */
    void requestPass() {
        if (passQueued.compareAndSet(false, true)) {
            try {
                passExecutor.execute(() -> {
                    passQueued.set(false);
                    try {
                        if (!closed) {
                            publish();
                        }
                    } catch (RuntimeException e) {
                        log.warn("dashboard feed pass failed", e);
                    }
                });
            } catch (RejectedExecutionException e) {
                passQueued.set(false); // shutting down
            }
        }
    }

    // ---- the feed thread

    /**
     * One tick: drains the dirty ids, encodes one delta if anything changed, and publishes. Feed thread only
     * (tests and benchmarks call it on a {@link Threads#manual manual} feed).
     */
    public void tick() {
        if (closed) {
            return;
        }
        long start = System.nanoTime();
        try {
            List<ClientSnapshot> changed = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            boolean watched = !viewers.isEmpty();
            drain(changed, removed, watched);
            String redis = redisStatus.get();
            boolean redisChanged = !redis.equals(lastRedisStatus);
            lastRedisStatus = redis;
            if (!watched) {
                clearHistory(); // nobody to catch up: every new viewer starts with a snapshot
                return;
            }
            if (!changed.isEmpty() || !removed.isEmpty() || redisChanged) {
                seq++;
                ByteBuf delta = encoder.delta(alloc, seq, redis, counts(), changed, removed);
                delta.touch("dashboard delta");
                remember(new Delta(seq, delta));
                metrics.deltaEncoded(changed.size() + removed.size());
            }
            publish();
        } catch (RuntimeException e) {
            log.warn("dashboard feed tick failed", e); // the next tick tries again; the schedule must survive
        } finally {
            metrics.tick(System.nanoTime() - start);
        }
    }

    /** Takes every dirty id; the id is removed before its record is read, so a later change is never lost. */
    private void drain(List<ClientSnapshot> changed, List<String> removed, boolean watched) {
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            String id = it.next();
            it.remove();
            if (!watched) {
                continue;
            }
            ClientRecord record = registry.find(id);
            if (record == null) {
                removed.add(id); // even if never shown here: a snapshot may have shown it
            } else {
                changed.add(record.snapshot());
            }
        }
    }

    /** Connected and total clients, from the counters the registry keeps (no scan). */
    private FeedEncoder.Counts counts() {
        return new FeedEncoder.Counts(registry.fleetConnectedCount(), registry.size());
    }

    private void remember(Delta delta) {
        history.addLast(delta);
        historyBytes += delta.bytes().readableBytes();
        // Keep the newest delta even when it alone exceeds the budget: this tick's viewers need it.
        while (history.size() > 1 && (historyBytes > config.historyBytes() || history.size() > MAX_HISTORY_DELTAS)) {
            Delta old = history.removeFirst();
            historyBytes -= old.bytes().readableBytes();
            old.bytes().release();
        }
    }

    private void clearHistory() {
        Delta d;
        while ((d = history.pollFirst()) != null) {
            d.bytes().release();
        }
        historyBytes = 0;
    }

    /**
     * Hands what each viewer needs to its event loop: the deltas it has not seen yet (from the history) and, to the
     * loops of writable viewers that need one and have none queued yet, a snapshot encoded once for all of them.
     * Feed thread only.
     */
    private void publish() {
        if (viewers.isEmpty()) {
            return;
        }
        // A viewer at seq s can catch up from the history when it holds every delta after s.
        long oldestUsable = history.isEmpty() ? seq : history.peekFirst().seq() - 1;
        Map<EventLoop, List<DashboardViewer>> byLoop = new HashMap<>();
        Map<EventLoop, List<DashboardViewer>> snapshotFor = new HashMap<>();
        for (DashboardViewer v : viewers) {
            byLoop.computeIfAbsent(v.eventLoop(), l -> new ArrayList<>()).add(v);
            if (v.needsSnapshot(oldestUsable)) {
                snapshotFor
                        .computeIfAbsent(v.eventLoop(), l -> new ArrayList<>())
                        .add(v);
            }
        }
        Snapshot snapshot = snapshotFor.isEmpty() ? null : snapshot();
        try {
            for (Map.Entry<EventLoop, List<DashboardViewer>> e : byLoop.entrySet()) {
                List<DashboardViewer> group = e.getValue();
                // Only a loop with a viewer that needs it carries the snapshot: a stalled loop, whose viewers have
                // one queued already, is not handed another with every tick.
                List<DashboardViewer> takers = snapshotFor.getOrDefault(e.getKey(), List.of());
                // Deltas after the oldest position a viewer of this loop can catch up from; a viewer that
                // waits for a snapshot takes the snapshot instead.
                long from = Long.MAX_VALUE;
                for (DashboardViewer v : group) {
                    if (!v.wantsSnapshot() && v.deliveredSeq() >= oldestUsable) {
                        from = Math.min(from, v.deliveredSeq());
                    }
                }
                // The task owns one reference to each buffer it carries, and releases them when done.
                List<Delta> window = new ArrayList<>();
                for (Delta d : history) {
                    if (d.seq() > from) {
                        d.bytes().retain();
                        window.add(d);
                    }
                }
                if (window.isEmpty() && takers.isEmpty()) {
                    continue;
                }
                takers.forEach(DashboardViewer::snapshotQueued);
                Snapshot carried = snapshot == null || takers.isEmpty() ? null : snapshot.retain();
                FeedDelivery delivery = new FeedDelivery(group, window, carried, takers, seq);
                try {
                    e.getKey().execute(delivery);
                } catch (RejectedExecutionException rejected) {
                    delivery.release(); // the loop is shutting down
                }
            }
        } finally {
            if (snapshot != null) {
                snapshot.release();
            }
        }
    }

    /** Encodes a snapshot of every record, in parts of {@value #SNAPSHOT_PART_CLIENTS} clients. */
    private Snapshot snapshot() {
        List<ClientSnapshot> all = new ArrayList<>(Math.max(16, registry.size()));
        registry.forEach(r -> all.add(r.snapshot()));
        int connected = 0;
        for (ClientSnapshot s : all) {
            if (s.connected()) {
                connected++;
            }
        }
        FeedEncoder.Counts counts = new FeedEncoder.Counts(connected, all.size());
        String redis = lastRedisStatus != null ? lastRedisStatus : redisStatus.get();
        int parts = Math.max(1, (all.size() + SNAPSHOT_PART_CLIENTS - 1) / SNAPSHOT_PART_CLIENTS);
        List<ByteBuf> out = new ArrayList<>(parts);
        boolean ok = false;
        try {
            for (int p = 0; p < parts; p++) {
                List<ClientSnapshot> slice =
                        all.subList(p * SNAPSHOT_PART_CLIENTS, Math.min(all.size(), (p + 1) * SNAPSHOT_PART_CLIENTS));
                out.add(encoder.snapshotPart(
                                alloc, seq, p + 1, parts, config.interval().toMillis(), redis, counts, slice)
                        .touch("dashboard snapshot"));
            }
            ok = true;
        } finally {
            if (!ok) {
                out.forEach(ByteBuf::release);
            }
        }
        metrics.snapshotEncoded();
        return new Snapshot(seq, out);
    }

    /** The sequence number of the latest delta (tests). Feed thread only. */
    long seq() {
        return seq;
    }

    /** Bytes of deltas kept for catching up (tests). Feed thread only. */
    long historyBytes() {
        return historyBytes;
    }

    /**
     * Stops ticking and releases the history on the feed thread, behind a tick or pass in progress (the history is
     * that thread's alone); a {@link Threads#manual manual} feed releases it on the caller, its feed thread. Waits
     * up to 2 s for the feed thread to finish; one busy for longer releases the history when it gets to it. Viewers
     * are closed by the server with their channels. Idempotent; any thread.
     */
    @Override
    public void close() {
        closed = true; // ticks and passes that start from now on do nothing
        if (ownExecutor == null) {
            clearHistory();
            return;
        }
        try {
            ownExecutor.execute(this::clearHistory);
        } catch (RejectedExecutionException e) {
            return; // closed before
        }
        ownExecutor.shutdown(); // the periodic tick is cancelled; queued tasks, the release among them, still run
        try {
            if (!ownExecutor.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("dashboard feed thread still busy after 2 s; it releases its history when done");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The threads a feed runs on: a thread of its own that ticks every {@link FeedConfig#interval()}, or, for tests
     * and benchmarks that drive it from one thread, the caller's.
     */
    public static final class Threads {
        /** Ticks every interval and is shut down with the feed; {@code null} for a manual feed. */
        private final @Nullable ScheduledExecutorService ticking;
        /** Runs the extra passes (snapshots for new viewers). */
        private final Executor passes;

        private Threads(@Nullable ScheduledExecutorService ticking, Executor passes) {
            this.ticking = ticking;
            this.passes = passes;
        }

        /** A thread of the feed's own ({@code gateway-feed}), for its ticks and passes. */
        public static Threads own() {
            return on(Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("gateway-feed", true)));
        }

        /** {@code executor}'s thread, which the feed owns from now on, as it would {@link #own()} (tests). */
        static Threads on(ScheduledExecutorService executor) {
            return new Threads(executor, executor);
        }

        /**
         * No thread of the feed's: it ticks only when {@link DashboardFeed#tick()} is called, and runs its extra
         * passes on {@code passExecutor}.
         */
        public static Threads manual(Executor passExecutor) {
            return new Threads(null, passExecutor);
        }
    }
}
