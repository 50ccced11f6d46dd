package io.serpentis.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.serpentis.gateway.command.Operations;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.ServerConfig;
import io.serpentis.gateway.feed.DashboardFeed;
import io.serpentis.gateway.feed.DashboardViewer;
import io.serpentis.gateway.fleet.Fleet;
import io.serpentis.gateway.fleet.FleetHistory;
import io.serpentis.gateway.fleet.FleetView;
import io.serpentis.gateway.http.AccessPolicy;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.metrics.MeterFilters;
import io.serpentis.gateway.metrics.StandardMetrics;
import io.serpentis.gateway.pipeline.AcceptErrorHandler;
import io.serpentis.gateway.pipeline.GatewayChannelInitializer;
import io.serpentis.gateway.pipeline.MetricsChannelInitializer;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.security.ClientAuthenticator;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.store.EmbeddedStatusStore;
import io.serpentis.gateway.store.FleetFencing;
import io.serpentis.gateway.store.RedisStatusStore;
import io.serpentis.gateway.store.StatusStore;
import io.serpentis.gateway.store.StoreStatus;
import io.serpentis.gateway.ws.WsFrameHandler;
import io.serpentis.gateway.ws.WsMessageCodec;
import io.serpentis.gateway.ws.WsSession;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway: owns the event loops, the listening socket, the registry, the store and the background tasks, and
 * wires them together (nothing else does). {@link #start()} binds; {@link #close()} shuts down gracefully: stop
 * accepting, close every WebSocket with 1001, record those clients as disconnected, then stop within the
 * configured shutdown timeout.
 *
 * <p>Thread-safe; {@code start} and {@code close} are each meant to be called once.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final WsFrameHandler.Mode mode;
    private final LocalClientRegistry registry;
    private final String nodeId;
    private volatile boolean draining;
    private final StatusStore store;
    /** The Redis store when there is one (it drains before the fleet leaves). */
    private final @Nullable RedisStatusStore redisStore;
    /** This node's part in the fleet, when it is a member ({@code --redis-url}, {@code --fleet}). */
    private final @Nullable Fleet fleet;
    /** The fleet's live view and cross-node commands, when this node is a member. */
    private final @Nullable FleetView fleetView;
    /** The last hour of the fleet's counts and update rate, for the dashboard's charts. */
    private final FleetHistory history;
    /** Command receipts, the audit trail, bulk commands. */
    private final Operations operations;

    private final PrometheusMeterRegistry meterRegistry;
    /** The one JSON mapper: HTTP answers, the dashboard feed and the status protocol's parser all use it. */
    private final JsonMapper json = JsonMapper.builder().build();

    private final GatewayMetrics metrics;
    private final DashboardFeed feed;
    private final StandardMetrics standardMetrics;
    private final ChannelGroup channels = new DefaultChannelGroup("gateway", GlobalEventExecutor.INSTANCE);
    private final ScheduledExecutorService maintenance;
    private final ThreadPoolExecutor blockingTasks;
    private @Nullable EventLoopGroup group;
    private @Nullable EventLoopGroup acceptGroup;
    private @Nullable Channel serverChannel;
    private @Nullable Channel metricsChannel;
    private boolean closed;

    /** A gateway speaking the status protocol on the embedded store. */
    public GatewayServer(GatewayConfig config) {
        this(config, WsFrameHandler.Mode.STATUS);
    }

    /**
     * A gateway whose WebSocket endpoint runs in {@code mode}; {@link WsFrameHandler.Mode#ECHO} exists for
     * conformance testing only and is not reachable from the command line.
     */
    public GatewayServer(GatewayConfig config, WsFrameHandler.Mode mode) {
        this.config = config;
        this.mode = mode;
        this.nodeId = config.server().effectiveNodeId();
        // One meter registry for the process; the cardinality guards go in before the first meter.
        this.meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterFilters.configure(meterRegistry);
        this.metrics = new GatewayMetrics(meterRegistry, config.ws().livenessTimeout());
        this.standardMetrics = new StandardMetrics(meterRegistry);
        if (config.fleetMember()) {
            FleetFencing fencing = new FleetFencing(nodeId);
            this.registry = new LocalClientRegistry(
                    config.limits(), config.registry(), nodeId, true, true, Timestamps::nowMicros);
            RedisStatusStore redis =
                    new RedisStatusStore(config.redis(), config.registry(), registry, meterRegistry, fencing);
            registry.addListener(redis);
            this.store = redis;
            this.redisStore = redis;
            this.fleet = new Fleet(config, registry, redis, fencing, json, meterRegistry);
            this.fleetView = new FleetView(config, fleet, registry, redis.deployment(), json, meterRegistry);
        } else if (config.redis().enabled()) {
            this.registry =
                    new LocalClientRegistry(config.limits(), config.registry(), nodeId, true, Timestamps::nowMicros);
            RedisStatusStore redis = new RedisStatusStore(config.redis(), config.registry(), registry, meterRegistry);
            registry.addListener(redis);
            this.store = redis;
            this.redisStore = redis;
            this.fleet = null;
            this.fleetView = null;
        } else {
            this.registry = new LocalClientRegistry(config.limits(), config.registry(), nodeId);
            this.store = new EmbeddedStatusStore();
            this.redisStore = null;
            this.fleet = null;
            this.fleetView = null;
        }
        this.operations = Operations.create(
                config.operations(),
                fleetView != null ? fleetView.routing() : registry,
                registry,
                redisStore != null ? redisStore.deployment() : null,
                nodeId);
        metrics.bindClients(registry);
        this.history = FleetHistory.create(
                config.feed(),
                registry,
                metrics.ws()::acknowledgedUpdates,
                nodeId,
                fleet != null ? fleet.members() : null,
                redisStore != null ? redisStore.deployment() : null,
                config.redis().commandTimeout());
        if (fleet != null) {
            fleet.updateRate(history::ownRate);
        }
        // Listens from the start, so that records restored from the store count too.
        this.feed = new DashboardFeed(
                registry,
                () -> store.status().redisStatus(),
                config.feed(),
                metrics.feed(),
                ByteBufAllocator.DEFAULT, // the channels' allocator: one pool, measured by its metrics
                json,
                DashboardFeed.Threads.own());
        registry.addListener(feed);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("gateway-maint", true));
        // Bounded: a flood of listing requests gets 503, not an unbounded queue.
        this.blockingTasks = new ThreadPoolExecutor(
                2,
                2,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(16),
                new DefaultThreadFactory("gateway-http-work", true));
        this.blockingTasks.allowCoreThreadTimeOut(true);
    }

    /** Binds the listening socket and starts the background tasks. */
    public synchronized GatewayServer start() throws InterruptedException {
        if (group != null || closed) {
            throw new IllegalStateException("already started");
        }
        ServerConfig sc = config.server();
        // Load the last known statuses before the first client can register.
        store.start(Duration.ofSeconds(30));
        boolean epoll = switch (sc.transport()) {
            case AUTO -> Epoll.isAvailable();
            case EPOLL -> {
                Epoll.ensureAvailability();
                yield true;
            }
            case NIO -> false;
        };
        IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        int threads = sc.ioThreads() > 0 ? sc.ioThreads() : Runtime.getRuntime().availableProcessors();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("gateway-io"), ioHandler);
        // Accepting on its own thread: on a busy I/O loop the listening socket waits behind every connection's
        // traffic and takes at most 16 connections per turn, so clients arriving under load (a reconnect storm)
        // would queue in the backlog for seconds.
        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gateway-accept"), ioHandler);
        StandardMetrics.bindNetty(meterRegistry, group);

        HttpResponses responses = new HttpResponses(json);
        // One limiter for every listener: a socket counts against the caps whichever port it came in on.
        ConnectionLimiter connections = new ConnectionLimiter(config.security().connections());
        AccessPolicy access = new AccessPolicy(
                config.security(), new ClientAuthenticator(config.security().clientAuth()), connections, metrics);
        // In a fleet, commands for clients held by another node go to that node.
        GatewayRoutes routes = new GatewayRoutes(
                config,
                responses,
                access,
                fleetView != null ? fleetView.routing() : registry,
                store,
                meterRegistry,
                blockingTasks,
                () -> draining,
                fleet,
                history,
                operations);
        HttpRouter router = routes.main(GatewayRoutes.staticAssets(getClass().getClassLoader()));
        WsMessageCodec codec = new WsMessageCodec(config.limits(), json.tokenStreamFactory());
        AcceptErrorHandler acceptErrors = new AcceptErrorHandler(metrics, connections::sockets);

        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(acceptErrors)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new GatewayChannelInitializer(
                        config,
                        router,
                        connections,
                        registry,
                        () -> store.status().redisStatus(),
                        codec,
                        metrics,
                        mode,
                        channels,
                        feed));
        serverChannel = b.bind(sc.host(), sc.port()).sync().channel();
        if (config.metrics().separatePort()) {
            metricsChannel = new ServerBootstrap()
                    .group(acceptGroup, group)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(acceptErrors)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new MetricsChannelInitializer(
                            config, routes.metricsListener(), connections, metrics, channels))
                    .bind(sc.host(), config.metrics().port())
                    .sync()
                    .channel();
        }

        if (fleet != null) {
            // Before the first client is answered when Redis answers: the clients a previous life of this node left
            // connected are offline now (their claims, and every write, wait for the join).
            fleet.start(NodeIdentity.create(nodeId, advertisedAddress()));
            if (fleetView != null) {
                fleetView.start();
            }
        }
        long purgeMillis = config.registry().purgeInterval().toMillis();
        maintenance.scheduleWithFixedDelay(this::purge, purgeMillis, purgeMillis, TimeUnit.MILLISECONDS);
        feed.start();
        history.start();
        log.info(
                "Gateway {} listening on {} ({}, {} event loops, store: {}, metrics: {})",
                nodeId,
                localAddress(),
                epoll ? "epoll" : "nio",
                ((MultiThreadIoEventLoopGroup) group).executorCount(),
                store.status() == StoreStatus.EMBEDDED
                        ? "embedded"
                        : store + " " + store.status().redisStatus(),
                metricsChannel != null ? metricsChannel.localAddress() + "/metrics" : "/metrics");
        for (String warning : config.warnings()) {
            log.warn(warning);
        }
        if (!localAddress().getAddress().isLoopbackAddress()) {
            log.info(
                    "Serving requests for these Host names: {}; others get 421 (--allowed-hosts)",
                    access.servedHosts());
        }
        return this;
    }

    private void purge() {
        try {
            int n = registry.purgeExpired();
            if (n > 0) {
                log.debug("purged {} disconnected clients", n);
            }
        } catch (RuntimeException e) {
            log.warn("purge failed", e);
        }
    }

    private String advertisedAddress() {
        return ListenerAddresses.advertised(config.fleet().advertiseUrl(), localAddress());
    }

    /** This node's part in the fleet, or {@code null} when it is not a member. */
    public @Nullable Fleet fleet() {
        return fleet;
    }

    /** The bound address (port resolved when 0 was asked for). */
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        if (ch == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /** {@code http://host:port} of the separate metrics listener, or {@code null} when there is none. */
    public @Nullable URI metricsUri() {
        Channel ch = metricsChannel;
        return ch == null ? null : ListenerAddresses.uri("http", (InetSocketAddress) ch.localAddress(), "");
    }

    /** {@code http://host:port} of the bound socket. */
    public URI httpUri() {
        return ListenerAddresses.uri("http", localAddress(), "");
    }

    /** {@code ws://host:port/ws} of the bound socket. */
    public URI wsUri() {
        return ListenerAddresses.uri("ws", localAddress(), config.ws().path());
    }

    /** The store the registry writes behind to. */
    public StatusStore store() {
        return store;
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** The registry (tests and benchmarks read it). */
    public LocalClientRegistry registry() {
        return registry;
    }

    /** The meter registry ({@code GET /metrics}). */
    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The gateway's meters. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The configuration this server runs with. */
    public GatewayConfig config() {
        return config;
    }

    /** Graceful shutdown, bounded by {@code shutdown-timeout}. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        draining = true;
        long deadline = System.nanoTime() + config.server().shutdownTimeout().toNanos();
        try {
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly(remainingMillis(deadline));
            }
            if (metricsChannel != null) {
                metricsChannel.close().awaitUninterruptibly(remainingMillis(deadline));
            }
            int sessions = 0;
            for (Channel ch : channels) {
                WsSession s = ch.attr(WsSession.KEY).get();
                DashboardViewer viewer = ch.attr(DashboardViewer.KEY).get();
                if (s != null) {
                    s.shutdown();
                    sessions++;
                } else if (viewer != null) {
                    viewer.shutdown();
                } else {
                    ch.close();
                }
            }
            if (sessions > 0) {
                log.info("Closing {} WebSocket connections (1001)", sessions);
            }
            // The close timeout bounds each handshake; force what remains at the deadline.
            if (!channels.newCloseFuture().awaitUninterruptibly(remainingMillis(deadline))) {
                channels.close().awaitUninterruptibly(Math.max(100, remainingMillis(deadline)));
            }
            maintenance.shutdownNow();
            history.close();
            feed.close();
            stopBlockingTasks(Math.min(1000, remainingMillis(deadline)));
            if (redisStore != null) {
                // The clients' ends reach Redis first; then the node leaves the fleet, then the connections close.
                redisStore.drain(Duration.ofMillis(Math.max(100, remainingMillis(deadline) - 500)));
            }
            if (fleetView != null) {
                // The clients' ends reach the peers' views before this node leaves the fleet.
                fleetView.flush(Duration.ofMillis(Math.min(1000, Math.max(100, remainingMillis(deadline) - 500))));
                fleetView.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            operations.close();
            store.close(Duration.ofMillis(Math.max(100, remainingMillis(deadline) - 200)));
            standardMetrics.close();
            meterRegistry.close();
        } finally {
            if (acceptGroup != null) {
                acceptGroup.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            }
            if (group != null) {
                group.shutdownGracefully(0, Math.max(100, remainingMillis(deadline)), TimeUnit.MILLISECONDS)
                        .awaitUninterruptibly(Math.max(200, remainingMillis(deadline) + 200));
            }
            log.info("Gateway stopped");
        }
    }

    /**
     * Lets the offloaded routes already accepted run (at most 2 running and 16 queued), so that each releases its
     * request and its answer finds its channel closed; interrupts what is still running after {@code millis}.
     */
    private void stopBlockingTasks(long millis) {
        blockingTasks.shutdown();
        try {
            if (!blockingTasks.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                blockingTasks.shutdownNow();
            }
        } catch (InterruptedException e) {
            blockingTasks.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
