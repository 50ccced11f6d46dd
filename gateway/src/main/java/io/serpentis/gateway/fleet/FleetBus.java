package io.serpentis.gateway.fleet;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.serpentis.gateway.internal.Threads;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.store.RedisDeployment;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The fleet's messaging over Redis pub/sub: named channels, text messages. On a standalone Redis and on Sentinel it
 * uses {@code SUBSCRIBE}/{@code PUBLISH}; on Redis Cluster shard channels, {@code SSUBSCRIBE}/{@code SPUBLISH}, each
 * channel on the master of its slot (so a node's channels, tagged {@code {node:<id>}}, live with its client set).
 *
 * <p><b>Subscriptions are reconciled, not trusted.</b> What the fleet wants ({@link #subscribe}) is compared every
 * {@code reconcileInterval} with what Redis confirmed (the subscribe and unsubscribe events), and a wanted channel
 * that is not confirmed is subscribed again. On Cluster each channel's slot master is checked too: Lettuce does not
 * move shard subscriptions after a failover or a reshard (lettuce#3213), so a channel whose slot has a new master is
 * subscribed again there (and its subscriber told it may have missed messages). When the subscription connection
 * connects again (Lettuce then subscribes everything again by itself), every subscriber is told it may have missed
 * messages ({@link Subscriber#gap}). And a subscription can die silently (a Sentinel failover, centrifugo#1189):
 * the bus publishes a probe on its own probe channel every interval, and when none has come back for three intervals
 * it subscribes everything again ({@link #resubscribe}) and tells each channel's subscriber it may have missed
 * messages ({@link Subscriber#gap}).
 *
 * <p><b>Threading.</b> Lettuce's listener threads only put messages in a bounded queue; one thread of the bus
 * ({@code fleet-bus}) takes them out and calls the subscribers, so a subscriber never runs on a Redis I/O thread
 * and may take its time within reason. A message that finds the queue full is dropped and its channel's
 * subscriber told ({@link Subscriber#gap}) instead of blocking Redis's thread. {@link #publish} and
 * {@link #subscribe} may be called from any thread and never block.
 */
public final class FleetBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetBus.class);

    /** Messages waiting for the bus thread at most; beyond it messages are dropped (and their channel resynced). */
    static final int QUEUE_CAPACITY = 16_384;
    /** Probes that may go unanswered before the bus subscribes everything again. */
    static final int PROBES_MISSED = 3;

    private static final String PROBE_PREFIX = "{\"type\":\"probe\",\"nonce\":\"";

    /** Receives one channel's messages, on the bus thread. */
    public interface Subscriber {
        /** A message arrived on {@code channel}. */
        void message(String channel, String message);

        /**
         * Messages on {@code channel} may have been missed: some were dropped (the queue was full), or the
         * subscription was found dead and made again. A subscriber that keeps state from the messages resyncs it.
         */
        default void gap(String channel) {}
    }

    /** One message, from Lettuce's thread to the bus thread. */
    private record Delivery(String channel, String message) {}

    /** A publication to send again at {@code dueNanos}, until {@code deadlineNanos}. */
    private record Retry(String channel, String message, long dueNanos, long delayNanos, long deadlineNanos) {}

    /** Publications retried at most at once; beyond it a failed publication is given up. */
    static final int MAX_RETRIES = 4096;

    private final RedisDeployment deployment;
    private final boolean sharded;
    private final Duration interval;
    private final String probeChannel;
    private final String probeNonce;
    private final BlockingQueue<Delivery> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final FleetSubscriptions subs;
    private final Set<String> overflowed = ConcurrentHashMap.newKeySet();
    /** Publications waiting to be sent again (their first attempt failed or reached nobody), soonest first. */
    private final PriorityBlockingQueue<Retry> retries =
            new PriorityBlockingQueue<>(64, Comparator.comparingLong(Retry::dueNanos));

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean topologyChanged;
    /** The subscription connection connected again (Lettuce subscribed everything again by itself). */
    private volatile boolean reconnected;

    private @Nullable StatefulRedisPubSubConnection<String, String> subscriptions;
    private RedisDeployment.@Nullable Connection publisher;
    private @Nullable Disposable events;
    private long probeSeq;
    /** When Redis last took a probe (Lettuce's thread writes it). */
    private volatile long probeAcceptedNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    /** When this node last heard its own probe (Lettuce's thread writes it). */
    private volatile long probeHeardNanos;

    /**
     * @param deployment where the connections come from (their own, see {@link RedisDeployment#connectPubSub()})
     * @param interval how often subscriptions are reconciled and the probe goes out (the heartbeat interval)
     * @param probeChannel a channel only this node subscribes to (its inbox), on which the probe travels
     */
    public FleetBus(RedisDeployment deployment, Duration interval, String probeChannel) {
        this.deployment = deployment;
        this.sharded = deployment.topology() == RedisDeployment.Topology.CLUSTER;
        this.interval = interval;
        this.probeChannel = probeChannel;
        byte[] nonce = new byte[6];
        new SecureRandom().nextBytes(nonce);
        this.probeNonce = HexFormat.of().formatHex(nonce);
        this.subs = new FleetSubscriptions(sharded, interval, warnings);
        this.thread = new Thread(this::run, "fleet-bus");
        this.thread.setDaemon(true);
    }

    /** Opens the connections and starts the bus thread; subscriptions asked for before are made now. */
    public synchronized void start() {
        if (subscriptions != null) {
            return;
        }
        StatefulRedisPubSubConnection<String, String> s = deployment.connectPubSub();
        RedisDeployment.Connection p;
        try {
            p = deployment.connectUnreported();
            deployment.warmUp(p, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        if (s instanceof StatefulRedisClusterPubSubConnection<String, String> cluster) {
            cluster.addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, String channel, String message) {
                    received(channel, message);
                }

                @Override
                public void ssubscribed(RedisClusterNode node, String channel, long count) {
                    subs.confirmed(channel, true);
                }

                @Override
                public void sunsubscribed(RedisClusterNode node, String channel, long count) {
                    subs.confirmed(channel, false);
                }
            });
            events = deployment.resources().eventBus().get().subscribe(event -> {
                if (event instanceof ClusterTopologyChangedEvent) {
                    topologyChanged = true; // look at the channels' masters now, not at the next interval
                }
            });
        } else {
            s.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received(channel, message);
                }

                @Override
                public void subscribed(String channel, long count) {
                    subs.confirmed(channel, true);
                }

                @Override
                public void unsubscribed(String channel, long count) {
                    subs.confirmed(channel, false);
                }
            });
        }
        s.addListener(new RedisConnectionStateListener() {
            private boolean connectedBefore = s.isOpen();

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connectedBefore) {
                    reconnected = true; // Lettuce subscribes again; what was published meanwhile is lost
                }
                connectedBefore = true;
            }
        });
        subscriptions = s;
        publisher = p;
        subs.connected(s);
        probeHeardNanos = System.nanoTime();
        thread.start();
    }

    /**
     * Wants {@code channel}'s messages delivered to {@code subscriber} (replacing any before it); subscribed at
     * once, and again whenever the subscription is found missing. Any thread.
     */
    public void subscribe(String channel, Subscriber subscriber) {
        subs.want(channel, subscriber);
    }

    /** No longer wants {@code channel}. Any thread. */
    public void unsubscribe(String channel) {
        subs.unwant(channel);
    }

    /**
     * Publishes {@code message} on {@code channel} ({@code SPUBLISH} on Cluster); completes with the number of
     * subscribers Redis delivered it to. Any thread; never blocks.
     */
    public CompletableFuture<Long> publish(String channel, String message) {
        RedisDeployment.Connection p = publisher;
        if (p == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the fleet bus is not started"));
        }
        published.incrementAndGet();
        RedisFuture<Long> f =
                sharded ? p.commands().spublish(channel, message) : p.commands().publish(channel, message);
        return f.toCompletableFuture();
    }

    /**
     * Publishes {@code message} on {@code channel} until Redis delivered it to a subscriber: when Redis fails (a
     * failover under way) or nobody hears it (the receiver's subscription is being made again), it is sent again,
     * after 100 ms, then twice as long each time, for at most {@code within}. For requests that must reach a live
     * node (kicks); a message for a node that is gone is given up at the deadline. Any thread; never blocks.
     */
    public void publishUntilHeard(String channel, String message, Duration within) {
        long now = System.nanoTime();
        attempt(new Retry(channel, message, now, TimeUnit.MILLISECONDS.toNanos(100), now + within.toNanos()));
    }

    private void attempt(Retry r) {
        publish(r.channel(), r.message()).whenComplete((receivers, e) -> {
            if (e == null && receivers != null && receivers > 0) {
                return;
            }
            long due = System.nanoTime() + r.delayNanos();
            if (due - r.deadlineNanos() >= 0 || retries.size() >= MAX_RETRIES) {
                warnings.warn(
                        "A fleet message on {} reached nobody: {}",
                        r.channel(),
                        e == null ? "no subscriber" : e.toString());
                return;
            }
            if (e != null) {
                deployment.refreshFleetTopology(); // Cluster: the slot may have a new master
            }
            retries.add(new Retry(r.channel(), r.message(), due, r.delayNanos() * 2, r.deadlineNanos()));
        });
    }

    /**
     * Subscribes {@code channel} again, whatever Redis confirmed (a subscriber found a gap it cannot explain).
     * Any thread.
     */
    public void resubscribe(String channel) {
        subs.resubscribe(channel);
    }

    /** Whether Redis confirmed the subscription of {@code channel} (and it was not dropped since). */
    public boolean isConfirmed(String channel) {
        return subs.isConfirmed(channel);
    }

    /** Channels wanted. */
    public int wantedCount() {
        return subs.wantedCount();
    }

    /** Wanted channels Redis confirmed. */
    public int confirmedCount() {
        return subs.confirmedCount();
    }

    /** Messages dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Subscriptions made again: a channel whose slot moved to another master, every channel when the probe stopped
     * coming back.
     */
    public long resubscribes() {
        return subs.resubscribes();
    }

    /** Messages published. */
    public long published() {
        return published.get();
    }

    // ---- Lettuce's threads: enqueue only

    private void received(String channel, String message) {
        if (channel.equals(probeChannel) && message.startsWith(PROBE_PREFIX)) {
            if (message.startsWith(PROBE_PREFIX + probeNonce)) {
                probeHeardNanos = System.nanoTime();
            }
            return;
        }
        if (!queue.offer(new Delivery(channel, message))) {
            dropped.incrementAndGet();
            overflowed.add(channel);
        }
    }

    // ---- the bus thread

    private void run() {
        long nextTick = System.nanoTime();
        while (running) {
            try {
                long wait = Math.max(0, nextTick - System.nanoTime());
                Delivery d = queue.poll(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
                for (int n = 0; d != null && n < 1024; n++) {
                    dispatch(d);
                    d = queue.poll();
                }
                if (d != null) {
                    dispatch(d);
                }
                reportOverflows();
                sendDueRetries();
                if (System.nanoTime() - nextTick >= 0 || topologyChanged) {
                    nextTick = System.nanoTime() + interval.toNanos();
                    reconcile();
                    probe();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                warnings.warn("Fleet bus: {}", e.toString());
            }
        }
    }

    private void sendDueRetries() {
        long now = System.nanoTime();
        Retry r;
        while ((r = retries.peek()) != null && now - r.dueNanos() >= 0) {
            retries.remove(r);
            attempt(r);
        }
    }

    private void dispatch(Delivery d) {
        Subscriber s = subs.subscriber(d.channel());
        if (s == null) {
            return;
        }
        try {
            s.message(d.channel(), d.message());
        } catch (RuntimeException e) {
            warnings.warn("Fleet message on {} failed: {}", d.channel(), e.toString());
        }
    }

    private void reportOverflows() {
        if (overflowed.isEmpty()) {
            return;
        }
        for (String channel : Set.copyOf(overflowed)) {
            overflowed.remove(channel);
            Subscriber s = subs.subscriber(channel);
            if (s != null) {
                s.gap(channel);
            }
        }
    }

    /** Subscriptions reconciled with what Redis confirmed ({@link FleetSubscriptions#reconcile}). */
    private void reconcile() {
        boolean again = reconnected;
        if (again) {
            reconnected = false;
        }
        topologyChanged = false;
        subs.reconcile(again);
    }

    /**
     * Publishes the probe on the probe channel (when something subscribes to it); when Redis took the probes but
     * none came back for {@link #PROBES_MISSED} intervals, every subscription is made again. While Redis does not
     * take them (it is down) nothing is concluded.
     */
    private void probe() {
        if (subs.subscriber(probeChannel) == null) {
            return;
        }
        long now = System.nanoTime();
        long deadline = PROBES_MISSED * interval.toNanos();
        if (now - probeAcceptedNanos < interval.toNanos() && now - probeHeardNanos > deadline) {
            log.warn(
                    "The fleet's own probe did not come back for {} ms: subscribing {} channels again",
                    TimeUnit.NANOSECONDS.toMillis(now - probeHeardNanos),
                    subs.wantedCount());
            probeHeardNanos = now; // one resubscription per deadline
            subs.resubscribeAll();
        }
        publish(probeChannel, PROBE_PREFIX + probeNonce + "\",\"seq\":" + (++probeSeq) + "}")
                .whenComplete((receivers, e) -> {
                    if (e == null) {
                        probeAcceptedNanos = System.nanoTime();
                    }
                });
    }

    /** Stops the thread and closes the connections. */
    @Override
    public synchronized void close() {
        running = false;
        thread.interrupt();
        Threads.join(thread, Duration.ofSeconds(1));
        if (events != null) {
            events.dispose();
        }
        if (subscriptions != null) {
            subscriptions.close();
        }
        if (publisher != null) {
            publisher.stateful().close();
        }
    }
}
