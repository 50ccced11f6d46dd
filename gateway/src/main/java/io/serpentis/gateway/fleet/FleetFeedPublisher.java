package io.serpentis.gateway.fleet;

import io.serpentis.gateway.internal.Utf8;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.OwnedSnapshot;
import io.serpentis.gateway.registry.RegistryListener;
import io.serpentis.gateway.store.FleetKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this node's clients to its peers on {@code serpentis:{node:<id>}:feed} (issue 13 point 1): a
 * {@link RegistryListener} that marks the ids of this node's changed records (one entry per client however often it
 * changes, so memory is bounded by the number of clients, not of updates), and a {@link #tick} every publish interval
 * that turns them into feed messages ({@link FleetFeedCodec}: full records with their epoch and version, numbered
 * 1, 2, 3, ... without gaps, each under 256 KB) and publishes them.
 *
 * <ul>
 *   <li>Only a record this node owns is published ({@link ClientRecord#ownedSnapshot()}); one whose claim is not
 *       answered yet waits for the next tick (its epoch is not known, and peers would drop it). Records this node
 *       wrote for another node's clients (a reap) are published through {@link #relay}.</li>
 *   <li>Nothing is published while no other member is live (or this node is not a member in good standing): no id
 *       is marked meanwhile, so a lone node keeps nothing per client for its feed; the first tick with a peer
 *       publishes every record this node owns (a peer that joins reads everything from Redis anyway, and drops what
 *       it holds already by epoch and version).</li>
 *   <li>When no feed message went out for a heartbeat interval, a {@code heartbeat} message carries the number of
 *       the last one, so that a subscriber that missed it finds out (and a subscriber that hears nothing at all knows
 *       its subscription is dead).</li>
 *   <li>At most {@value #MAX_IN_FLIGHT} messages wait for Redis's answer; beyond that the tick waits (the ids stay
 *       marked).</li>
 * </ul>
 *
 * <p>Threading: the listener methods run on any thread and only touch a concurrent set and a volatile flag;
 * {@link #tick} runs on one thread (the view's feed thread).
 */
final class FleetFeedPublisher implements RegistryListener {
    private static final Logger log = LoggerFactory.getLogger(FleetFeedPublisher.class);

    /** Messages published but not yet answered by Redis at most; the tick waits beyond. */
    static final int MAX_IN_FLIGHT = 64;

    private final ClientRegistry registry;
    private final FleetFeedCodec codec;
    private final BiFunction<String, String, CompletableFuture<Long>> publish;
    private final Supplier<@Nullable NodeIdentity> self;
    private final BooleanSupplier peers;
    private final FleetViewMetrics metrics;
    private final long heartbeatNanos;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Set<String> relayed = ConcurrentHashMap.newKeySet();
    /**
     * Every record this node owns is to be published at the next tick that can: set while nothing can be published
     * (no peer, no membership), when marking each change would only keep an entry per client. A change made while it
     * is set is not marked: the tick that clears it reads every record after clearing it, so it sees that change.
     */
    private volatile boolean everything;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    /** The number of the last feed message; read by the heartbeat, which reports it in the node's hash. */
    private volatile long seq;

    private long lastSentNanos = System.nanoTime();

    /**
     * @param publish publishes a message on a channel (the fleet bus)
     * @param self this node's life while it is a member in good standing, else {@code null} (nothing published)
     * @param peers whether another member is live
     * @param heartbeat the longest time without a message
     */
    FleetFeedPublisher(
            ClientRegistry registry,
            FleetFeedCodec codec,
            BiFunction<String, String, CompletableFuture<Long>> publish,
            Supplier<@Nullable NodeIdentity> self,
            BooleanSupplier peers,
            FleetViewMetrics metrics,
            Duration heartbeat) {
        this.registry = registry;
        this.codec = codec;
        this.publish = publish;
        this.self = self;
        this.peers = peers;
        this.metrics = metrics;
        this.heartbeatNanos = heartbeat.toNanos();
        // Records known before the publisher listened (restored ones are remote, and skipped) count from the start.
        registry.forEach(r -> dirty.add(r.id()));
    }

    /** The number of the last feed message published (0 before the first). */
    long seq() {
        return seq;
    }

    /** Waits at most {@code timeout} for Redis to answer every message published so far. */
    void awaitSent(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
    }

    /** Ids waiting to be published (tests). */
    int pending() {
        return dirty.size() + relayed.size();
    }

    // ---- RegistryListener: any thread, never blocks

    @Override
    public void changed(ClientRecord record) {
        if (!everything && !record.isRemote()) {
            dirty.add(record.id());
        }
    }

    @Override
    public void removed(ClientRecord record) {
        // Peers purge their copies after the same retention.
    }

    /**
     * Publishes {@code clientId}'s record at the next tick even though another node owns it: this node wrote it for
     * that node (it marked a lost node's client offline), and its peers learn it from this node's feed. Any thread.
     */
    void relay(String clientId) {
        relayed.add(clientId);
    }

    // ---- the feed thread

    /** One tick: publishes what changed, or a heartbeat when nothing was published for a heartbeat interval. */
    void tick() {
        NodeIdentity me = self.get();
        if (me == null || !peers.getAsBoolean()) {
            everything = true; // nobody to tell: publish every record once somebody listens, mark nothing meanwhile
            dirty.clear();
            return;
        }
        if (inFlight.get() >= MAX_IN_FLIGHT) {
            return;
        }
        List<OwnedSnapshot> records = drain();
        long now = System.nanoTime();
        if (!records.isEmpty()) {
            for (FleetFeedCodec.Encoded m :
                    codec.feed(me.nodeId(), me.incarnation(), seq + 1, System.currentTimeMillis(), records)) {
                seq++;
                send(me, m.text(), m.records());
            }
            lastSentNanos = now;
        } else if (now - lastSentNanos >= heartbeatNanos) {
            send(me, codec.heartbeat(me.nodeId(), me.incarnation(), seq, System.currentTimeMillis()), 0);
            lastSentNanos = now;
        }
    }

    /**
     * Takes the marked ids (every record's, after a time nothing could be published): each id leaves the set before
     * its record is read, so a later change is never lost. A record whose claim is unanswered is marked again for the
     * next tick.
     */
    private List<OwnedSnapshot> drain() {
        if (everything) {
            everything = false; // before the records are read: a change from now on is marked
            registry.forEach(r -> dirty.add(r.id()));
        }
        List<OwnedSnapshot> out = new ArrayList<>();
        List<String> later = null;
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            String id = it.next();
            it.remove();
            ClientRecord record = registry.find(id);
            OwnedSnapshot s = record == null ? null : record.ownedSnapshot();
            if (s == null) {
                continue; // purged (peers purge theirs), or owned elsewhere now
            }
            if (!s.settled()) {
                if (later == null) {
                    later = new ArrayList<>();
                }
                later.add(id);
                continue;
            }
            out.add(s);
        }
        for (Iterator<String> it = relayed.iterator(); it.hasNext(); ) {
            String id = it.next();
            it.remove();
            ClientRecord record = registry.find(id);
            if (record != null) {
                out.add(record.fleetSnapshot());
            }
        }
        if (later != null) {
            dirty.addAll(later);
        }
        return out;
    }

    private void send(NodeIdentity me, String message, int records) {
        inFlight.incrementAndGet();
        int bytes = Utf8.length(message);
        publish.apply(FleetKeys.feed(me.nodeId()), message).whenComplete((receivers, e) -> {
            inFlight.decrementAndGet();
            if (e != null) {
                // Subscribers find the gap (the next message's number, or the next heartbeat's) and read from Redis.
                warnings.warn("Publishing on the fleet feed failed: {}", e.toString());
            } else {
                metrics.published(bytes, records);
            }
        });
    }
}
