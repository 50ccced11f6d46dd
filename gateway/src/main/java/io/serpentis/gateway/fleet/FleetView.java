package io.serpentis.gateway.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.metrics.FleetViewMetrics.ResyncReason;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisDeployment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * One picture of the fleet on every node (issue 13 point 1), and commands that reach any client (point 3). The
 * registry holds this node's clients and remote records of every other node's; this class keeps the remote ones
 * current and tells the other nodes about this node's own:
 *
 * <ul>
 *   <li><b>Publishing</b> ({@link FleetFeedPublisher}): every publish interval the full records of this node's
 *       changed clients go out on its feed channel, numbered without gaps, with a heartbeat when idle.</li>
 *   <li><b>Subscribing</b>: the feed channel of every member in the member table (reconciled with it every quarter
 *       of a heartbeat interval) is subscribed through the fleet bus. Lettuce's thread only queues a message (a
 *       bounded queue, by characters); one thread, {@code fleet-view}, decodes and applies them to the registry by
 *       (epoch, version). A record of a client held here that comes with a newer epoch from another node means the
 *       client reconnected there: the local connection lets go (4001), as a kick would make it.</li>
 *   <li><b>Gaps</b>: a sequence jump, a new life, a subscription made again, a new peer, a full queue, a peer's
 *       heartbeat reporting a sequence that did not arrive for three heartbeat intervals, or a live peer silent for
 *       as long (its subscription is made again) make this node read that peer's clients again from Redis
 *       ({@link FleetResync}). A member that leaves the table has the records still shown connected on it read
 *       again a little later (its reaper marks them offline).</li>
 *   <li><b>Commands</b> ({@link FleetCommands}): through the nodes' inboxes; {@link #routing()} is the registry
 *       the HTTP routes use.</li>
 * </ul>
 *
 * <p>Reads (the HTTP routes, the dashboard feed) never wait for another node: they answer from the registry.
 *
 * <p>Threading: {@code fleet-feed} publishes, {@code fleet-view} applies and reconciles, {@code fleet-resync} reads
 * Redis (blocking, on a connection of its own); the bus thread only queues. Thread-safe; {@link #start} and
 * {@link #close} once each.
 */
public final class FleetView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetView.class);

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
        /** The life whose messages are followed; {@code null} until one is heard of. */
        @Nullable String incarnation;
        /** The last sequence number received of that life; -1 while unknown. */
        long lastSeq = -1;
        long heardNanos;
        long aheadSinceNanos;
        boolean confirmed;
        boolean everConfirmed;
        /** A read from Redis wanted as soon as the subscription is confirmed, and why. */
        @Nullable ResyncReason pending = ResyncReason.NEW_PEER;

        Peer(String nodeId, long now) {
            this.nodeId = nodeId;
            this.channel = FleetKeys.feed(nodeId);
            this.heardNanos = now;
        }
    }

    private final String nodeId;
    private final LocalClientRegistry registry;
    private final FleetBus bus;
    private final FleetMembers members;
    private final FleetViewMetrics metrics;
    private final FleetFeedCodec decoder;
    private final FleetFeedPublisher publisher;
    private final FleetResync resync;
    private final FleetCommands commands;
    private final FleetClientRegistry routing;
    private final long heartbeatNanos;
    private final long reconcileNanos;
    private final Duration publishInterval;
    private final ScheduledExecutorService feedThread;
    private final Thread viewThread;
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
     * The view of this fleet member; listens to {@code registry} from now on (changes before {@link #start} are
     * published once it runs).
     *
     * @param config the gateway's configuration (its {@code fleet} and {@code redis} parts)
     * @param fleet this node's part in the fleet (membership, bus, inbox)
     * @param registry this node's registry (fenced)
     * @param deployment where the view's own Redis connection comes from
     * @param json the gateway's JSON mapper
     * @param meterRegistry where the view's meters go
     */
    public FleetView(GatewayConfig config, Fleet fleet, LocalClientRegistry registry, RedisDeployment deployment,
            JsonMapper json, MeterRegistry meterRegistry) {
        this.nodeId = registry.nodeId();
        this.registry = registry;
        this.bus = fleet.bus();
        this.members = fleet.members();
        this.metrics = new FleetViewMetrics();
        metrics.bindTo(meterRegistry);
        Duration heartbeat = config.fleet().heartbeatInterval();
        this.heartbeatNanos = heartbeat.toNanos();
        this.reconcileNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(20), heartbeatNanos / 4);
        this.publishInterval = config.fleet().publishInterval();
        this.decoder = new FleetFeedCodec(json);
        this.publisher = new FleetFeedPublisher(registry, new FleetFeedCodec(json), bus::publish, members::self,
                this::peersPresent, metrics, heartbeat);
        registry.addListener(publisher);
        this.resync = new FleetResync(deployment, registry, this::apply, config.redis().commandTimeout(), heartbeat);
        this.commands = new FleetCommands(registry, bus, json, metrics, nodeId, FleetCommands.TIMEOUT);
        this.routing = new FleetClientRegistry(registry, members, commands);
        fleet.inbox().on(FleetCommands.REQUEST, commands::request);
        fleet.inbox().on(FleetCommands.REPLY, commands::reply);
        fleet.feedSequence(publisher::seq);
        fleet.onReaped(publisher::relay); // peers learn a lost node's clients went offline from this node's feed
        this.feedThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-feed");
            t.setDaemon(true);
            return t;
        });
        this.viewThread = new Thread(this::run, "fleet-view");
        this.viewThread.setDaemon(true);
    }

    /** The registry the HTTP routes use: commands for clients held elsewhere go to their node. */
    public ClientRegistry routing() {
        return routing;
    }

    /** Starts publishing and following the fleet (call once the fleet started). */
    public void start() {
        viewThread.start();
        long nanos = publishInterval.toNanos();
        feedThread.scheduleAtFixedRate(this::publish, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void publish() {
        try {
            publisher.tick();
        } catch (RuntimeException e) {
            warnings.warn("Fleet feed tick failed: {}", e.toString()); // the schedule must survive
        }
    }

    /**
     * Publishes what changed now, and waits at most {@code timeout} for Redis to take it: a node that stops tells
     * its peers its clients' ends before it leaves the fleet.
     */
    public void flush(Duration timeout) {
        try {
            feedThread.submit(this::publish).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            publisher.awaitSent(timeout);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            log.debug("fleet feed not flushed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean peersPresent() {
        for (FleetMembers.Member m : members.members()) {
            if (!m.nodeId().equals(nodeId)) {
                return true;
            }
        }
        return false;
    }

    // ---- applying: any thread (the view thread, the resync thread)

    /**
     * Applies {@code fields}, a client's record as another node wrote it (from its feed, or from Redis), by (epoch,
     * version). A newer epoch from another node for a client whose connection is here means the client reconnected
     * there: the local connection lets go, as a kick would make it (the claim decides while one of this node's is
     * unanswered).
     *
     * @return whether the view changed
     */
    boolean apply(String clientId, Map<String, String> fields) {
        if (!nodeId.equals(fields.get(ServerFields.GATEWAY_NODE))) {
            ClientRecord local = registry.find(clientId);
            if (local != null && local.owner() != null) {
                long epoch = parseLong(fields.get(ServerFields.GATEWAY_EPOCH));
                if (epoch > local.epoch() && registry.kicked(clientId, epoch)) {
                    log.debug("client {} reconnected to {}: its connection here is closed", clientId,
                            fields.get(ServerFields.GATEWAY_NODE));
                }
            }
        }
        return registry.applyRemote(clientId, fields);
    }

    private static long parseLong(@Nullable String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
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
            apply(e.id(), e.fields());
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
        return parseLong(dash < 0 ? incarnation : incarnation.substring(0, dash));
    }

    /** Reads the peer again from Redis: now when its subscription is confirmed, else as soon as it is. */
    private void trigger(Peer p, ResyncReason reason) {
        if (p.confirmed) {
            if (resync.request(p.nodeId)) {
                metrics.resync(reason);
                log.info("Reading the clients of {} again from Redis ({})", p.nodeId, reason.name().toLowerCase(Locale.ROOT));
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
                Peer p = new Peer(m.nodeId(), now);
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
                log.warn("Nothing from {} for {} ms: subscribing its feed again", p.nodeId,
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

    /** Peers followed and whether a read of each is still to come (tests). */
    int followed() {
        return channelNodes.size();
    }

    /** Stops publishing, following and reading. */
    @Override
    public void close() {
        running = false;
        feedThread.shutdownNow();
        viewThread.interrupt();
        try {
            viewThread.join(1000);
            feedThread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resync.close();
        commands.close();
        for (String channel : List.copyOf(channelNodes.keySet())) {
            bus.unsubscribe(channel);
        }
    }
}
