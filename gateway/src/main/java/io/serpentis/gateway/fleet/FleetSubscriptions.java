package io.serpentis.gateway.fleet;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.serpentis.gateway.fleet.FleetBus.Subscriber;
import io.serpentis.gateway.logging.RateLimitedLog;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FleetBus}'s subscriptions, reconciled rather than trusted: the channels wanted (each with its
 * subscriber), the ones Redis confirmed (its subscribe and unsubscribe events), when each was last asked for, and on
 * Cluster the master of each channel's slot. {@link #reconcile} asks again for what is wanted and not confirmed and
 * follows a channel whose slot moved to another master (Lettuce leaves shard subscriptions on the old node's
 * connection, lettuce#3213); {@link #resubscribeAll} makes every subscription again.
 *
 * <p>Threading: the sets are concurrent. {@link #want}, {@link #unwant}, {@link #resubscribe} and the readers run on
 * any thread and never block; {@link #confirmed} runs on Lettuce's threads; {@link #reconcile} and
 * {@link #resubscribeAll} run on the bus thread.
 */
final class FleetSubscriptions {
    private static final Logger log = LoggerFactory.getLogger(FleetBus.class);

    private final boolean sharded;
    private final Duration interval;
    private final RateLimitedLog warnings;
    private final Map<String, Subscriber> wanted = new ConcurrentHashMap<>();
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    /** When ({@link System#nanoTime()}) each channel was last asked for, so that a slow answer is not asked again. */
    private final Map<String, Long> asked = new ConcurrentHashMap<>();
    /** Cluster: the master of each wanted channel's slot when it was last looked at ({@code host:port}). */
    private final Map<String, String> slotMasters = new ConcurrentHashMap<>();

    private final AtomicLong resubscribes = new AtomicLong();
    /** The subscription connection; {@code null} until the bus starts (what is wanted before is asked for then). */
    private volatile @Nullable StatefulRedisPubSubConnection<String, String> connection;

    /**
     * @param sharded Cluster: shard channels ({@code SSUBSCRIBE})
     * @param interval how often {@link #reconcile} runs (a channel is asked for again at most that often)
     */
    FleetSubscriptions(boolean sharded, Duration interval, RateLimitedLog warnings) {
        this.sharded = sharded;
        this.interval = interval;
        this.warnings = warnings;
    }

    /** The subscription connection is open: everything wanted is asked for on it. */
    void connected(StatefulRedisPubSubConnection<String, String> s) {
        connection = s;
        for (String channel : wanted.keySet()) {
            ask(channel);
        }
    }

    /** Wants {@code channel} for {@code subscriber} (replacing any before it); asked for at once if it is new. */
    void want(String channel, Subscriber subscriber) {
        if (wanted.put(channel, subscriber) == null) {
            ask(channel);
        }
    }

    /** No longer wants {@code channel}. */
    void unwant(String channel) {
        if (wanted.remove(channel) == null) {
            return;
        }
        asked.remove(channel);
        StatefulRedisPubSubConnection<String, String> s = connection;
        if (s != null) {
            RedisFuture<Void> f =
                    sharded ? s.async().sunsubscribe(channel) : s.async().unsubscribe(channel);
            f.exceptionally(e -> null);
        }
    }

    /** Asks for {@code channel} again, whatever Redis confirmed. */
    void resubscribe(String channel) {
        confirmed.remove(channel);
        asked.remove(channel);
        if (wanted.containsKey(channel)) {
            ask(channel);
        }
    }

    /** Redis confirmed ({@code subscribed}) or ended the subscription of {@code channel}. Lettuce's threads. */
    void confirmed(String channel, boolean subscribed) {
        if (subscribed) {
            confirmed.add(channel);
        } else {
            confirmed.remove(channel);
        }
    }

    /** {@code channel}'s subscriber, or {@code null} when it is not wanted. */
    @Nullable
    Subscriber subscriber(String channel) {
        return wanted.get(channel);
    }

    boolean isConfirmed(String channel) {
        return confirmed.contains(channel);
    }

    int wantedCount() {
        return wanted.size();
    }

    int confirmedCount() {
        int n = 0;
        for (String c : wanted.keySet()) {
            if (confirmed.contains(c)) {
                n++;
            }
        }
        return n;
    }

    long resubscribes() {
        return resubscribes.get();
    }

    /**
     * Wanted but not confirmed: asked again (once per interval at most); confirmed but not wanted: dropped. When
     * the connection {@code reconnected} (Lettuce subscribed everything again by itself), every subscriber is told
     * it may have missed messages.
     */
    void reconcile(boolean reconnected) {
        if (reconnected) {
            log.info(
                    "The fleet's subscription connection connected again: {} channels may have missed messages",
                    wanted.size());
            for (Map.Entry<String, Subscriber> e : wanted.entrySet()) {
                e.getValue().gap(e.getKey());
            }
        }
        if (sharded) {
            followSlotMasters();
        }
        long now = System.nanoTime();
        for (String channel : wanted.keySet()) {
            Long at = asked.get(channel);
            if (!confirmed.contains(channel) && (at == null || now - at >= interval.toNanos())) {
                ask(channel);
            }
        }
        for (String channel : confirmed) {
            if (!wanted.containsKey(channel)) {
                unwant(channel);
                confirmed.remove(channel);
            }
        }
    }

    /**
     * Cluster: a wanted channel whose slot has another master than when it was subscribed is subscribed again,
     * there (Lettuce leaves the subscription on the old node's connection), and its subscriber is told it may have
     * missed messages.
     */
    private void followSlotMasters() {
        if (!(connection instanceof StatefulRedisClusterPubSubConnection<String, String> cluster)) {
            return;
        }
        Partitions partitions = cluster.getPartitions();
        for (Map.Entry<String, Subscriber> e : wanted.entrySet()) {
            String channel = e.getKey();
            RedisClusterNode master = partitions.getMasterBySlot(SlotHash.getSlot(channel));
            String now = master == null
                    ? ""
                    : master.getUri().getHost() + ":" + master.getUri().getPort();
            String before = slotMasters.put(channel, now);
            if (before != null && !before.equals(now) && !now.isEmpty()) {
                log.info("Fleet channel {} moved from {} to {}: subscribing it there", channel, before, now);
                resubscribes.incrementAndGet();
                confirmed.remove(channel);
                asked.remove(channel);
                ask(channel);
                e.getValue().gap(channel);
            }
        }
    }

    /** Makes every subscription again and tells each subscriber it may have missed messages. */
    void resubscribeAll() {
        resubscribes.incrementAndGet();
        confirmed.clear();
        asked.clear();
        for (Map.Entry<String, Subscriber> e : wanted.entrySet()) {
            ask(e.getKey());
            e.getValue().gap(e.getKey());
        }
    }

    private void ask(String channel) {
        StatefulRedisPubSubConnection<String, String> s = connection;
        if (s == null) {
            return; // connected() asks for what is wanted
        }
        asked.put(channel, System.nanoTime());
        RedisFuture<Void> f =
                sharded ? s.async().ssubscribe(channel) : s.async().subscribe(channel);
        f.exceptionally(e -> {
            asked.remove(channel); // asked again at the next reconcile
            warnings.warn("Subscribing {} failed: {}", channel, e.toString());
            return null;
        });
    }
}
