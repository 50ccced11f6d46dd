package io.serpentis.gateway.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.serpentis.gateway.config.RedisConfig;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The Redis deployment the gateway runs on, and the one place that builds Lettuce clients and connections for it:
 * a standalone Redis and Sentinel through a {@link RedisClient} (Lettuce asks the sentinels for the master, and asks
 * again when it reconnects, so a failover is followed by the reconnect itself), Redis Cluster through a
 * {@link RedisClusterClient} with the topology refreshed every {@link #TOPOLOGY_REFRESH_PERIOD} and on every adaptive
 * trigger (redirects, reconnect attempts, uncovered slots, unknown nodes). Every connection shares the process's one
 * {@link ClientResources} and the same {@link ClientOptions}: a bounded request queue, commands rejected at once
 * while disconnected (the writer keeps their clients dirty), command and connect timeouts, and the jittered
 * reconnect delay of {@link RedisReconnectPolicy}.
 *
 * <p>The rest of the store does not care which deployment it is: {@link #connect()} hands out a {@link Connection},
 * typed as the API common to both clients ({@link StatefulConnection} and {@link RedisClusterAsyncCommands}, which
 * {@code RedisAsyncCommands} and {@code RedisAdvancedClusterAsyncCommands} both extend). On Cluster, a command that
 * names keys goes to the master of its first key's slot; a script call may therefore name keys of one slot only
 * ({@link #clientsPerScriptCall()}). Manual flushing works on a cluster connection too: auto-flush off holds each
 * command in its node connection until {@code flushCommands()}, which flushes every node connection. The few
 * operations that mean something else on Cluster ({@link #ping}, {@link #scriptLoad}, {@link #warmUp}) are here.
 *
 * <p>What happens to the data connections is reported to {@link Listener}s: a connection (on Cluster, a connection
 * to one node) that connects a second time reconnected after a drop, and on Cluster a change of the slots' masters
 * (a failover, a reshard) is a topology change. Either way the Redis behind may lack what the gateway wrote before
 * (restarted empty, or a promoted replica that had not received the last writes). Lettuce's own short-lived
 * connections (topology refresh, Sentinel lookups) connect once and are never reported.
 *
 * <p>{@link #connectPubSub()} makes pub/sub connections for the fleet, from a client of their own, so that their
 * reconnects are not reported as the data connections' (the store does not write everything back when a
 * subscription drops). Lettuce re-subscribes {@code SUBSCRIBE} channels after a reconnect; it does not move shard
 * channels ({@code SSUBSCRIBE}) after a failover or a reshard (lettuce#3213), which their user reconciles.
 *
 * <p>Threading: {@link #connect}, {@link #connectPubSub} and {@link #close} on any thread; {@link #ping},
 * {@link #scriptLoad} return futures; {@link #warmUp} blocks (the writer thread calls it). Listeners are called on
 * Lettuce's threads and must only set flags.
 */
public final class RedisDeployment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisDeployment.class);

    /** How often a Redis Cluster's topology is read again, besides the adaptive triggers. */
    static final Duration TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(10);
    /**
     * The adaptive triggers refresh at most this often (Lettuce's default is 30 s, which would hide a failover
     * behind the refresh that saw the master fail before its replica took over).
     */
    static final Duration ADAPTIVE_REFRESH_TIMEOUT = Duration.ofSeconds(1);
    /** A node connection that failed to reconnect this many times triggers a topology refresh. */
    static final int REFRESH_RECONNECT_ATTEMPTS = 3;

    /** Which deployment a URL names. */
    public enum Topology {
        /** One Redis ({@code redis://}, {@code rediss://}, {@code redis-socket://}). */
        STANDALONE,
        /** A master found through sentinels ({@code redis-sentinel://}, {@code rediss-sentinel://}). */
        SENTINEL,
        /** Redis Cluster, from seed nodes ({@code --redis-cluster}). */
        CLUSTER
    }

    /**
     * A data connection as the store uses it.
     *
     * @param stateful the connection: auto-flush, {@code flushCommands()}, {@code isOpen()}, {@code close()}
     * @param commands its asynchronous commands, routed by key on Cluster
     */
    public record Connection(
            StatefulConnection<String, String> stateful, RedisClusterAsyncCommands<String, String> commands) {}

    /** What happens to the data connections. Called on Lettuce's threads: set a flag, wake a thread, return. */
    public interface Listener {
        /**
         * A data connection (on Cluster, one node's) connected again after a drop: the Redis behind it may have
         * restarted empty, or be another one (Sentinel: the new master).
         */
        default void reconnected() {}

        /** A connection {@link #connect()} handed out dropped (on Cluster, its default node's). */
        default void disconnected() {}

        /**
         * Redis Cluster: the slots' masters changed (a failover, a reshard). A promoted replica may lack writes its
         * master had acknowledged.
         */
        default void topologyChanged() {}
    }

    private final RedisConfig config;
    private final Topology topology;
    private final ClientResources resources;
    private final ClientOptions options;
    private final AbstractRedisClient client;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Every connection of {@link #client} that connected once (identity; Lettuce's short-lived ones are dropped). */
    private final Set<Object> connectedOnce = Collections.newSetFromMap(new WeakHashMap<>());
    /** The connections {@link #connect()} handed out. */
    private final Set<Object> handedOut = Collections.newSetFromMap(new WeakHashMap<>());

    private final Disposable events;
    private @Nullable AbstractRedisClient pubSubClient;
    private @Nullable AbstractRedisClient fleetClient;
    /** Cluster: the masters and their slots, as last reported; a topology change is reported when it differs. */
    private volatile String slotOwners = "";

    private volatile boolean closing;

    /**
     * Creates the resources and the client; nothing connects yet.
     *
     * @param config the Redis settings ({@code url} set)
     * @param reconnectDelay the delay between reconnect attempts
     * @param latencies where command latencies go, or {@code null}
     */
    RedisDeployment(RedisConfig config, Delay reconnectDelay, @Nullable CommandLatencyRecorder latencies) {
        if (config.url() == null) {
            throw new IllegalArgumentException("redis-url is not set");
        }
        this.config = config;
        this.topology =
                config.cluster() ? Topology.CLUSTER : config.sentinel() ? Topology.SENTINEL : Topology.STANDALONE;
        ClientResources.Builder rb = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(reconnectDelay);
        if (latencies != null) {
            rb.commandLatencyRecorder(latencies);
        }
        this.resources = rb.build();
        this.options = ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while disconnected instead of buffering: the records stay dirty, nothing is lost.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(config.requestQueueSize())
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(config.commandTimeout())
                        .build())
                .build();
        try {
            this.client = newClient(options);
        } catch (RuntimeException e) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            // Lettuce's messages name the part it could not read, never the password.
            throw new IllegalArgumentException(
                    "redis-url cannot be read (" + e.getMessage() + "): " + RedisConfig.redact(config.url()), e);
        }
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                connected(connection);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                disconnected(connection);
            }
        });
        this.events = resources.eventBus().get().subscribe(event -> {
            if (event instanceof ClusterTopologyChangedEvent) {
                topologyEvent();
            }
        });
    }

    private AbstractRedisClient newClient(ClientOptions options) {
        if (topology == Topology.CLUSTER) {
            return RedisClusterNodes.client(config, resources, options);
        }
        RedisURI uri = RedisURI.create(config.url());
        uri.setTimeout(config.commandTimeout());
        for (RedisURI sentinel : uri.getSentinels()) {
            sentinel.setTimeout(config.commandTimeout());
        }
        RedisClient c = RedisClient.create(resources, uri);
        c.setOptions(options);
        return c;
    }

    /** Which deployment this is. */
    public Topology topology() {
        return topology;
    }

    /** The process's Lettuce resources (event loops, event bus, reconnect delay). */
    public ClientResources resources() {
        return resources;
    }

    /**
     * Most clients one write-script call may carry: on Cluster one (a call's keys must share a slot, and client
     * keys keep their names, so each has its own), else {@link RedisScripts#CLIENTS_PER_CALL}.
     */
    public int clientsPerScriptCall() {
        return topology == Topology.CLUSTER ? 1 : RedisScripts.CLIENTS_PER_CALL;
    }

    /** Registers {@code listener} for the data connections' events. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * A new data connection; throws {@link RedisException} when Redis (every seed node, every sentinel) is
     * unreachable. The caller closes it.
     */
    public Connection connect() {
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, String> c = cluster.connect();
            remember(c);
            slotOwners = RedisClusterNodes.slotOwners(cluster);
            return new Connection(c, c.async());
        }
        StatefulRedisConnection<String, String> c = ((RedisClient) client).connect();
        remember(c);
        return new Connection(c, c.async());
    }

    /**
     * A new data connection for the fleet's own traffic (heartbeats, reaping, publishing), like {@link #connect()}
     * but never reported to the {@link Listener}s: the store does not write every record back because a fleet
     * connection reconnected. The caller closes it.
     */
    public Connection connectUnreported() {
        AbstractRedisClient c;
        synchronized (this) {
            if (fleetClient == null) {
                fleetClient = newClient(options); // no state listener: its connections' events are not reported
            }
            c = fleetClient;
        }
        if (c instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, String> cc = cluster.connect();
            return new Connection(cc, cc.async());
        }
        StatefulRedisConnection<String, String> sc = ((RedisClient) c).connect();
        return new Connection(sc, sc.async());
    }

    /**
     * A new pub/sub connection, from a client of its own: on Cluster a {@code StatefulRedisClusterPubSubConnection}
     * (shard channels with {@code SSUBSCRIBE}, routed by slot); else a plain one. Its reconnects are not reported to
     * the {@link Listener}s. Unlike the data connections, its commands wait (in the bounded queue) while their
     * connection is down or being opened. The caller closes it.
     */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        AbstractRedisClient c;
        synchronized (this) {
            if (pubSubClient == null) {
                // Subscriptions wait for their node's connection instead of failing while it is being opened (a
                // cluster pub/sub connection connects to each node on its first shard subscription there), still
                // within the bounded request queue.
                pubSubClient = newClient(options.mutate()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .build());
            }
            c = pubSubClient;
        }
        return c instanceof RedisClusterClient cluster ? cluster.connectPubSub() : ((RedisClient) c).connectPubSub();
    }

    /**
     * Whether {@code c} can carry commands now. A standalone or Sentinel connection is down while Lettuce
     * reconnects it; a cluster connection stays usable when one node is down (commands for that node's slots fail
     * fast, the others go through).
     */
    public boolean isOpen(Connection c) {
        return topology == Topology.CLUSTER || c.stateful().isOpen();
    }

    /** {@code PING}; on Cluster one to every master that owns slots, failing when any does. */
    public CompletableFuture<?> ping(Connection c) {
        if (!(c.stateful() instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return c.commands().ping().toCompletableFuture();
        }
        return RedisClusterNodes.ping(cluster);
    }

    /**
     * {@code SCRIPT LOAD script}: the digest Redis gives it. On Cluster the script goes to every node of the
     * topology, replicas included (a promoted replica then has it already: Redis does not replicate its script
     * cache), and the result fails only when no master that owns slots loaded it. A node that is down does not hold
     * the writer up, which would turn one master's outage into an outage of all: if it comes back without its
     * scripts (restarted empty), its first {@code EVALSHA} answers {@code NOSCRIPT} and the scripts are loaded
     * again. Lettuce's own cluster {@code scriptLoad} fails when any node does.
     */
    public CompletableFuture<String> scriptLoad(Connection c, String script) {
        if (!(c.stateful() instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return c.commands().scriptLoad(script).toCompletableFuture();
        }
        return RedisClusterNodes.scriptLoad(cluster, script);
    }

    /**
     * On Cluster, opens {@code c}'s connections to every master that owns slots, waiting at most {@code timeout}, so
     * that a burst's first commands do not find a node connection still connecting (they would be rejected, as
     * commands are while disconnected, and written again). Best effort: a master that does not answer is left to
     * the writes. Nothing to do elsewhere. Blocks.
     */
    public void warmUp(Connection c, Duration timeout) {
        if (!(c.stateful() instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return;
        }
        RedisClusterNodes.warmUp(cluster, timeout);
    }

    /**
     * Redis Cluster: reads the topology again on the fleet's own clients (pub/sub, and the unreported data
     * connections), whose periodic refresh may lag the data connections' by up to {@link #TOPOLOGY_REFRESH_PERIOD}:
     * a channel whose slot moved to another master is reachable at once. Nothing elsewhere. Any thread; does not
     * wait.
     */
    public void refreshFleetTopology() {
        AbstractRedisClient p;
        AbstractRedisClient f;
        synchronized (this) {
            p = pubSubClient;
            f = fleetClient;
        }
        for (AbstractRedisClient c : new AbstractRedisClient[] {p, f}) {
            if (c instanceof RedisClusterClient cluster && !closing) {
                cluster.refreshPartitionsAsync();
            }
        }
    }

    /** Shuts the clients and the resources down; the caller closed its connections first. */
    @Override
    public void close() {
        closing = true;
        events.dispose();
        AbstractRedisClient p;
        AbstractRedisClient f;
        synchronized (this) {
            p = pubSubClient;
            f = fleetClient;
        }
        // A short quiet period, for the clients and for the event loops they share (the resources own them): a
        // reconnect to a dead node that registered a channel as the shutdown began gets its close run (and Lettuce's
        // handler its buffer released) before the event loop ends, instead of being refused. With none on the
        // resources, a leak check saw that buffer after Cluster failover tests (twice in many runs).
        Duration quiet = Duration.ofMillis(50);
        if (p != null) {
            p.shutdown(quiet, Duration.ofSeconds(2));
        }
        if (f != null) {
            f.shutdown(quiet, Duration.ofSeconds(2));
        }
        client.shutdown(quiet, Duration.ofSeconds(2));
        resources.shutdown(quiet.toMillis(), 2000, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        String url = config.url();
        return topology.name().toLowerCase(Locale.ROOT) + " " + (url == null ? "(no url)" : RedisConfig.redact(url));
    }

    // ---- events, on Lettuce's threads

    private void remember(Object connection) {
        synchronized (handedOut) {
            handedOut.add(connection);
        }
    }

    private void connected(Object connection) {
        boolean first;
        synchronized (connectedOnce) {
            first = connectedOnce.add(connection);
        }
        if (!first && !closing) {
            listeners.forEach(Listener::reconnected);
        }
    }

    private void disconnected(Object connection) {
        boolean ours;
        synchronized (handedOut) {
            ours = handedOut.contains(connection);
        }
        if (ours && !closing) {
            listeners.forEach(Listener::disconnected);
        }
    }

    private void topologyEvent() {
        if (closing || !(client instanceof RedisClusterClient cluster)) {
            return;
        }
        // Every client of the resources publishes its own refreshes (the pub/sub client's too): only a change of
        // this client's masters counts.
        String now = RedisClusterNodes.slotOwners(cluster);
        if (!now.equals(slotOwners)) {
            slotOwners = now;
            log.info("Redis Cluster topology changed: {}", now);
            listeners.forEach(Listener::topologyChanged);
            refreshFleetTopology(); // the fleet's own clients would see it only at their next periodic refresh
        }
    }
}
