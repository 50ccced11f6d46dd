package io.serpentis.gateway.fleet;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.store.RedisDeployment;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's last hour for the dashboard's charts (issue 15, point 6; {@code GET /api/v1/fleet/history}): every
 * {@code --history-interval} (10 s) one {@link HistorySample} of the whole fleet, an hour of them kept in a bounded
 * ring ({@link HistoryRing}, 360 samples at 10 s).
 *
 * <ul>
 *   <li><b>Counts.</b> Connected and disconnected clients come from this node's registry, which in a fleet holds
 *       every client of the fleet (the fleet's live view), so any node counts the whole fleet.</li>
 *   <li><b>Update rate.</b> Each node knows only the status updates it acknowledged itself: its own rate over the
 *       last interval ({@link #ownRate}) goes into its heartbeat ({@link Fleet#updateRate}), and a sample's rate is
 *       this node's own plus every other live member's from the member table ({@link #fleetRate}).</li>
 *   <li><b>Where it is kept.</b> With Redis, in Redis ({@link FleetHistoryStore}: one sorted set, the first node to
 *       append in an interval writes its sample, no coordination of our own), loaded at start, so a node that
 *       starts later shows the hour before it; each node's ring follows that set. Without Redis, or while Redis
 *       does not answer, the node's own samples.</li>
 * </ul>
 *
 * <p>Threading: sampling, and every Redis call, on the {@code gateway-history} thread; {@link #samples} and
 * {@link #ownRate} from any thread. {@link #start} and {@link #close} once each.
 */
public final class FleetHistory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetHistory.class);

    /** Where the samples are kept beyond this node's memory. Called on the history thread; may block. */
    interface Store extends AutoCloseable {
        /** Every sample kept, oldest first. */
        List<HistorySample> load();

        /**
         * Keeps {@code sample} as the current interval's unless another node's is there, and returns every sample
         * newer than {@code afterMillis} (0: all), oldest first.
         */
        List<HistorySample> append(HistorySample sample, long afterMillis);

        @Override
        void close();
    }

    private final Duration interval;
    private final ClientRegistry registry;
    private final @Nullable FleetMembers fleet;
    private final String nodeId;
    private final @Nullable Store store;
    private final HistoryRing ring;
    private final UpdateRate rate;
    private final LongSupplier wallClock;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofMinutes(1));
    private @Nullable ScheduledExecutorService thread;
    private boolean loaded;
    private volatile double ownRate;

    /**
     * @param feed the sampling interval ({@link FeedConfig#historyInterval}) and how many samples an hour holds
     * @param registry the clients this node sees (the whole fleet's in a fleet)
     * @param acknowledgedUpdates the status updates this node acknowledged since it started
     * @param nodeId this node's id
     * @param fleet the member table, whose other live members' rates are added; {@code null} outside a fleet
     * @param redis where the history is kept; {@code null} without Redis (this node's own ring)
     * @param redisTimeout the Redis command timeout
     */
    public static FleetHistory create(
            FeedConfig feed,
            ClientRegistry registry,
            LongSupplier acknowledgedUpdates,
            String nodeId,
            @Nullable FleetMembers fleet,
            @Nullable RedisDeployment redis,
            Duration redisTimeout) {
        Store store = redis == null
                ? null
                : new FleetHistoryStore(redis, feed.historyInterval(), feed.historySamples(), redisTimeout);
        return new FleetHistory(
                feed,
                registry,
                new UpdateRate(acknowledgedUpdates, System::nanoTime),
                nodeId,
                fleet,
                store,
                System::currentTimeMillis);
    }

    FleetHistory(
            FeedConfig feed,
            ClientRegistry registry,
            UpdateRate rate,
            String nodeId,
            @Nullable FleetMembers fleet,
            @Nullable Store store,
            LongSupplier wallClock) {
        this.interval = feed.historyInterval();
        this.registry = registry;
        this.rate = rate;
        this.nodeId = nodeId;
        this.fleet = fleet;
        this.store = store;
        this.wallClock = wallClock;
        this.ring = new HistoryRing(feed.historySamples(), FeedConfig.HISTORY_KEPT.toMillis());
    }

    /** Loads the kept history (on the history thread), then samples every interval from one interval on. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        ScheduledExecutorService t =
                Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("gateway-history", true));
        thread = t;
        t.execute(this::load);
        long millis = interval.toMillis();
        t.scheduleAtFixedRate(this::tick, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The sampling interval. */
    public Duration interval() {
        return interval;
    }

    /** The last hour's samples, oldest first. */
    public List<HistorySample> samples() {
        return ring.samples();
    }

    /** The status updates this node acknowledged per second over its last interval (0 before the first sample). */
    public double ownRate() {
        return ownRate;
    }

    /**
     * The fleet's update rate: this node's own ({@code own}, fresh) plus the last reported rate of every other
     * live member ({@code members}, this node's entry, {@code self}, skipped). A stale member's rate is left out:
     * its heartbeat is late, and so is what it reported.
     */
    static double fleetRate(double own, String self, Collection<FleetMembers.Member> members) {
        double sum = own;
        for (FleetMembers.Member m : members) {
            if (!m.nodeId().equals(self) && m.state() == FleetMembers.State.LIVE) {
                sum += m.updatesPerSecond();
            }
        }
        return sum;
    }

    private void load() {
        if (store == null || loaded) {
            return;
        }
        try {
            ring.addAll(store.load());
            loaded = true;
        } catch (RuntimeException e) {
            warnings.warn("Cannot load the fleet's history from Redis yet: {}", e.toString());
        }
    }

    private void tick() {
        try {
            sample();
        } catch (RuntimeException e) {
            warnings.warn("Fleet history sample failed: {}", e.toString());
        }
    }

    /** Takes one sample now and keeps it (in Redis when there is a store, else in the ring); returns it. */
    HistorySample sample() {
        double own = round(rate.next());
        ownRate = own;
        int total = registry.size();
        int connected = Math.min(total, registry.fleetConnectedCount());
        double fleetRate = fleet == null ? own : round(fleetRate(own, nodeId, fleet.members()));
        long now = wallClock.getAsLong();
        HistorySample s = new HistorySample(
                now - Math.floorMod(now, interval.toMillis()), connected, total - connected, fleetRate);
        if (store != null) {
            try {
                ring.addAll(store.append(s, ring.newestMillis()));
                loaded = true; // the append answered with everything after the ring's newest
                return s;
            } catch (RuntimeException e) {
                warnings.warn("Cannot keep the fleet's history in Redis (kept here meanwhile): {}", e.toString());
            }
        }
        ring.add(s);
        return s;
    }

    /** A rate to the thousandth. */
    private static double round(double rate) {
        return Math.round(rate * 1000) / 1000.0;
    }

    @Override
    public synchronized void close() {
        ScheduledExecutorService t = thread;
        if (t != null) {
            t.shutdownNow();
            try {
                t.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (store != null) {
            store.close();
        }
    }

    /**
     * The rate of a growing count between two reads: (count now - count then) / seconds between them. The first
     * read measures from when this was created. Used by one thread.
     */
    static final class UpdateRate {
        private final LongSupplier count;
        private final LongSupplier nanoClock;
        private long lastCount;
        private long lastNanos;

        UpdateRate(LongSupplier count, LongSupplier nanoClock) {
            this.count = count;
            this.nanoClock = nanoClock;
            this.lastCount = count.getAsLong();
            this.lastNanos = nanoClock.getAsLong();
        }

        /** Per second since the last read; 0 when no time passed or the count went back (a reset). */
        double next() {
            long c = count.getAsLong();
            long t = nanoClock.getAsLong();
            long dc = c - lastCount;
            long dt = t - lastNanos;
            lastCount = c;
            lastNanos = t;
            return dt <= 0 || dc < 0 ? 0 : dc * 1e9 / dt;
        }
    }
}
