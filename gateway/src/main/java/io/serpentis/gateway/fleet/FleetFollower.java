package io.serpentis.gateway.fleet;

import io.serpentis.gateway.internal.Threads;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.metrics.FleetViewMetrics.ResyncReason;
import io.serpentis.gateway.store.FleetKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * The subscribing half of the fleet view ({@link FleetView}): follows the feed channel of every member of the member
 * table through the fleet bus and applies what arrives; notices by itself when it may have missed part of a peer's
 * feed and has that peer's clients read again from Redis ({@link FleetResync}).
 *
 * <ul>
 *   <li>The member table is reconciled every quarter of a heartbeat interval: a new member's channel is subscribed
 *       (and the member read from Redis once the subscription is confirmed), a former member's is dropped (and the
 *       records still shown connected on it read again a little later, for its reaper marks them offline).</li>
 *   <li>Lettuce's thread only queues a message (a bounded queue, by characters: a full queue drops it and reads its
 *       peer again); the {@code fleet-view} thread decodes and applies each, by (epoch, version).</li>
 *   <li>Gaps: a sequence number that skips, a new life of the peer, its subscription made again, messages dropped
 *       (here or by the bus), a live peer silent for {@value #MISSED_BEATS} heartbeat intervals (its channel is
 *       subscribed again), or a peer whose heartbeat reports a feed number that did not arrive for as long.</li>
 * </ul>
 *
 * <p>Threading: {@code fleet-view} owns the peers; the bus thread only queues and marks. {@link #start} and
 * {@link #close} once each.
 */
final class FleetFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetFollower.class);

    /** Characters of feed messages waiting for the view thread at most; beyond, messages are dropped and resynced. */
    static final long MAX_QUEUED_CHARS = 32L * 1024 * 1024;
    /** Heartbeat intervals a live peer may stay silent, or its reported sequence stay ahead, before a resync. */
    static final int MISSED_BEATS = 3;

    /** One message from a peer, from the bus thread to the view thread. */
    private record Inbound(String channel, String message, long receivedNanos) {}

    /** What the view thread knows of one peer's feed. */
    private static final class Peer {
        final String nodeId;
        final String channel;
        /** When the first life of it this view knew of started (epoch ms): no client left it before. */
        final long firstLifeStartMillis;
        /** The life whose messages are followed; {@code null} until one is heard of. */
        @Nullable
        String incarnation;
        /** The last sequence number received of that life; -1 while unknown. */
        long lastSeq = -1;

        long heardNanos;
        long aheadSinceNanos;
        boolean confirmed;
        boolean everConfirmed;
        /** A read from Redis wanted as soon as the subscription is confirmed, and why. */
        @Nullable
        ResyncReason pending = ResyncReason.NEW_PEER;

        Peer(String nodeId, String incarnation, long now) {
            this.nodeId = nodeId;
            this.firstLifeStartMillis = startOf(incarnation);
            this.channel = FleetKeys.feed(nodeId);
            this.heardNanos = now;
        }
    }

    private final String nodeId;
    private final FleetBus bus;
    private final FleetMembers members;
    private final FleetViewMetrics metrics;
    private final FleetFeedCodec decoder;
    private final FleetResync resync;
    private final BiPredicate<String, Map<String, String>> apply;
    private final long heartbeatNanos;
    private final long reconcileNanos;
    private final Thread thread;
    private final BlockingQueue<Inbound> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedChars = new AtomicLong();
    /** Channels whose subscription the bus made again, or whose messages it dropped (any thread adds). */
    private final Set<String> busGaps = ConcurrentHashMap.newKeySet();
    /** Channels whose messages this view dropped on a full queue (the bus thread adds). */
    private final Set<String> overflowed = ConcurrentHashMap.newKeySet();

    private final Map<String, String> channelNodes = new ConcurrentHashMap<>();
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    /** View thread only. */
    private final Map<String, Peer> peers = new HashMap<>();

    private long busDropped;
    private volatile boolean running = true;

    private final FleetBus.Subscriber feedSubscriber = new FleetBus.Subscriber() {
        @Override
        public void message(String channel, String message) {
            enqueue(channel, message);
        }

        @Override
        public void gap(String channel) {
            busGaps.add(channel);
        }
    };

    /**
     * @param nodeId this node's id (its own feed is not followed)
     * @param decoder reads feed messages
     * @param resync reads a peer's clients from Redis
     * @param apply applies one record by (epoch, version); any thread
     * @param heartbeat the fleet's heartbeat interval
     */
    FleetFollower(
            String nodeId,
            FleetBus bus,
            FleetMembers members,
            FleetViewMetrics metrics,
            FleetFeedCodec decoder,
            FleetResync resync,
            BiPredicate<String, Map<String, String>> apply,
            Duration heartbeat) {
        this.nodeId = nodeId;
        this.bus = bus;
        this.members = members;
        this.metrics = metrics;
        this.decoder = decoder;
        this.resync = resync;
        this.apply = apply;
        this.heartbeatNanos = heartbeat.toNanos();
        this.reconcileNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(20), heartbeatNanos / 4);
        this.thread = new Thread(this::run, "fleet-view");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    // ---- the bus thread: queue only

    private void enqueue(String channel, String message) {
        int chars = message.length();
        if (queuedChars.addAndGet(chars) > MAX_QUEUED_CHARS
                || !queue.offer(new Inbound(channel, message, System.nanoTime()))) {
            queuedChars.addAndGet(-chars);
            overflowed.add(channel);
        }
    }

    // ---- the view thread

    private void run() {
        long nextReconcile = System.nanoTime();
        while (running) {
            try {
                Inbound in = queue.poll(Math.max(1, nextReconcile - System.nanoTime()), TimeUnit.NANOSECONDS);
                for (int n = 0; in != null && n < 256; n++) {
                    queuedChars.addAndGet(-in.message().length());
                    handle(in);
                    in = queue.poll();
                }
                if (in != null) {
                    queuedChars.addAndGet(-in.message().length());
                    handle(in);
                }
                long now = System.nanoTime();
                if (now - nextReconcile >= 0) {
                    reconcile(now);
                    nextReconcile = now + reconcileNanos;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                warnings.warn("Fleet view: {}", e.toString());
            }
        }
    }

    private void handle(Inbound in) {
        String node = channelNodes.get(in.channel());
        Peer p = node == null ? null : peers.get(node);
        if (p == null) {
            return; // no longer followed
        }
        FleetFeedCodec.Message m;
        try {
            m = decoder.decode(in.message());
        } catch (JacksonException | IllegalArgumentException e) {
            warnings.warn("Not a feed message on {}: {}", in.channel(), e.getMessage());
            return;
        }
        if (!m.node().equals(p.nodeId)) {
            return;
        }
        p.heardNanos = in.receivedNanos();
        if (p.incarnation == null || newerLife(m.incarnation(), p.incarnation)) {
            boolean known = p.incarnation != null;
            p.incarnation = m.incarnation();
            p.lastSeq = m.seq();
            if (known) {
                trigger(p, ResyncReason.INCARNATION);
            }
        } else if (!m.incarnation().equals(p.incarnation)) {
            return; // a message of a life that ended (the new one is followed)
        } else if (p.lastSeq < 0) {
            p.lastSeq = m.seq();
        } else {
            boolean feed = FleetFeedCodec.FEED.equals(m.type());
            long expected = feed ? p.lastSeq + 1 : p.lastSeq;
            if (m.seq() > expected || (feed && m.seq() < expected)) {
                trigger(p, ResyncReason.SEQ_GAP);
            }
            p.lastSeq = Math.max(p.lastSeq, m.seq());
        }
        for (FleetFeedCodec.Entry e : m.clients()) {
            var unused = apply.test(e.id(), e.fields()); // false: older than what is held, dropped
        }
        metrics.received(in.message().length(), m.clients().size());
        if (FleetFeedCodec.FEED.equals(m.type()) && m.sentMillis() > 0) {
            metrics.lag(System.currentTimeMillis() - m.sentMillis());
        }
    }

    /** Whether {@code a} is a later life than {@code b}: incarnations start with their life's start (epoch ms). */
    static boolean newerLife(String a, String b) {
        long ta = startOf(a);
        long tb = startOf(b);
        return ta != tb ? ta > tb : !a.equals(b) && a.compareTo(b) > 0;
    }

    private static long startOf(String incarnation) {
        int dash = incarnation.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? incarnation : incarnation.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads the peer again from Redis: now when its subscription is confirmed, else as soon as it is. */
    private void trigger(Peer p, ResyncReason reason) {
        if (p.confirmed) {
            if (resync.request(p.nodeId, p.firstLifeStartMillis)) {
                metrics.resync(reason);
                log.info(
                        "Reading the clients of {} again from Redis ({})",
                        p.nodeId,
                        reason.name().toLowerCase(Locale.ROOT));
            }
        } else if (p.pending == null) {
            p.pending = reason;
        }
    }

    /** Follows the member table, and checks each peer's subscription, sequence and silence. */
    private void reconcile(long now) {
        Map<String, FleetMembers.Member> table = new HashMap<>();
        for (FleetMembers.Member m : members.members()) {
            if (!m.nodeId().equals(nodeId)) {
                table.put(m.nodeId(), m);
            }
        }
        for (FleetMembers.Member m : table.values()) {
            if (!peers.containsKey(m.nodeId())) {
                Peer p = new Peer(m.nodeId(), m.incarnation(), now);
                peers.put(m.nodeId(), p);
                channelNodes.put(p.channel, p.nodeId);
                bus.subscribe(p.channel, feedSubscriber);
                log.info("Following the feed of {} ({})", m.nodeId(), m.address());
            }
        }
        for (Iterator<Peer> it = peers.values().iterator(); it.hasNext(); ) {
            Peer p = it.next();
            if (!table.containsKey(p.nodeId)) {
                it.remove();
                bus.unsubscribe(p.channel);
                channelNodes.remove(p.channel);
                // Its reaper marks what it held offline and tells on its own feed; what that did not bring is read.
                resync.orphans(p.nodeId, Duration.ofNanos(3 * heartbeatNanos));
                resync.orphans(p.nodeId, Duration.ofNanos(10 * heartbeatNanos));
                resync.forget(p.nodeId);
                log.info("{} is no longer a member: its feed is not followed", p.nodeId);
            }
        }
        long dropped = bus.dropped();
        ResyncReason busReason = dropped != busDropped ? ResyncReason.OVERFLOW : ResyncReason.SUBSCRIBED;
        busDropped = dropped;
        gapped(busGaps, busReason);
        gapped(overflowed, ResyncReason.OVERFLOW);
        long missed = MISSED_BEATS * heartbeatNanos;
        for (Peer p : peers.values()) {
            FleetMembers.Member m = table.get(p.nodeId);
            boolean confirmed = bus.isConfirmed(p.channel);
            if (confirmed && !p.confirmed && p.everConfirmed) {
                trigger(p, ResyncReason.SUBSCRIBED); // made again: messages may have been missed meanwhile
            }
            p.everConfirmed |= confirmed;
            p.confirmed = confirmed;
            if (m == null) {
                continue;
            }
            if (p.incarnation != null && newerLife(m.incarnation(), p.incarnation)) {
                p.incarnation = m.incarnation();
                p.lastSeq = -1;
                trigger(p, ResyncReason.INCARNATION);
            }
            if (m.incarnation().equals(p.incarnation) && p.lastSeq >= 0 && m.feedSeq() > p.lastSeq) {
                if (p.aheadSinceNanos == 0) {
                    p.aheadSinceNanos = now;
                } else if (now - p.aheadSinceNanos > missed) {
                    p.aheadSinceNanos = 0;
                    p.lastSeq = m.feedSeq();
                    trigger(p, ResyncReason.FEED_SEQ);
                }
            } else {
                p.aheadSinceNanos = 0;
            }
            if (confirmed && m.state() == FleetMembers.State.LIVE && now - p.heardNanos > missed) {
                p.heardNanos = now;
                log.warn(
                        "Nothing from {} for {} ms: subscribing its feed again",
                        p.nodeId,
                        TimeUnit.NANOSECONDS.toMillis(missed));
                bus.resubscribe(p.channel);
                trigger(p, ResyncReason.SILENT);
            }
            if (p.pending != null && p.confirmed) {
                ResyncReason reason = p.pending;
                p.pending = null;
                trigger(p, reason);
            }
        }
    }

    private void gapped(Set<String> channels, ResyncReason reason) {
        if (channels.isEmpty()) {
            return;
        }
        for (Iterator<String> it = channels.iterator(); it.hasNext(); ) {
            String channel = it.next();
            it.remove();
            String node = channelNodes.get(channel);
            Peer p = node == null ? null : peers.get(node);
            if (p != null) {
                trigger(p, reason);
            }
        }
    }

    /** Peers followed (tests). */
    int followed() {
        return channelNodes.size();
    }

    /** Stops following: the thread ends, the channels are unsubscribed. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        Threads.join(thread, Duration.ofSeconds(1));
        for (String channel : List.copyOf(channelNodes.keySet())) {
            bus.unsubscribe(channel);
        }
    }
}
