package io.serpentis.gateway.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetMetrics;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.store.FleetFencing;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisDeployment;
import io.serpentis.gateway.store.RedisStatusStore;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * This node's part in the fleet of gateways on one Redis deployment: it joins, lets the store write once it has
 * (claims carry this node's life, see {@link FleetFencing}), marks the clients its previous lives left connected
 * offline, and answers its inbox ({@link FleetInbox}: a node that claimed a client of ours tells us to close our
 * connection).
 *
 * <p>Joining happens at start-up, before the gateway serves its first client, when Redis answers; otherwise the
 * {@code fleet-membership} thread keeps trying (the store writes nothing meanwhile, and clients are served from
 * memory as during any Redis outage). Every Redis call of the fleet goes over its own connections
 * ({@link RedisDeployment#connectUnreported()}, {@link RedisDeployment#connectPubSub()}), never an event loop's.
 *
 * <p>Thread-safe; {@link #start} and {@link #close} once each.
 */
public final class Fleet implements AutoCloseable, FleetMetrics.Source {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final GatewayConfig config;
    private final LocalClientRegistry registry;
    private final RedisDeployment deployment;
    private final FleetFencing fencing;
    private final FleetMetrics metrics;
    private final FleetBus bus;
    private final FleetInbox inbox;
    private final FleetReaper reaper;
    private final Duration timeout;
    private final Thread thread;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    private volatile boolean running = true;
    private volatile @Nullable NodeIdentity life;
    private volatile boolean joined;
    private boolean busStarted;
    private RedisDeployment.@Nullable Connection connection;

    /**
     * @param config the gateway's configuration (its {@code fleet} and {@code registry} parts)
     * @param registry this node's registry (fenced)
     * @param store the Redis store, whose deployment the fleet's connections come from
     * @param fencing what the store's writes need from the fleet
     * @param json the gateway's JSON mapper
     * @param meterRegistry where the fleet's meters go
     */
    public Fleet(GatewayConfig config, LocalClientRegistry registry, RedisStatusStore store, FleetFencing fencing,
            JsonMapper json, MeterRegistry meterRegistry) {
        this.config = config;
        this.registry = registry;
        this.deployment = store.deployment();
        this.fencing = fencing;
        this.timeout = config.redis().commandTimeout();
        this.metrics = new FleetMetrics(this);
        metrics.bindTo(meterRegistry);
        this.bus = new FleetBus(deployment, config.fleet().heartbeatInterval(), FleetKeys.inbox(fencing.nodeId()));
        this.inbox = new FleetInbox(bus, registry, json, metrics, fencing.nodeId());
        this.reaper = new FleetReaper(registry, config.registry().retention(), timeout);
        fencing.addListener(inbox);
        this.thread = new Thread(this::run, "fleet-membership");
        this.thread.setDaemon(true);
    }

    /**
     * Joins the fleet as {@code life}: at once when Redis answers (the clients this node's previous lives left
     * connected are marked offline before this returns), else as soon as it does.
     */
    public void start(NodeIdentity life) {
        this.life = life;
        try {
            join();
        } catch (RuntimeException e) {
            log.warn("Cannot join the fleet yet ({}); joining when Redis answers", e.toString());
        }
        thread.start();
    }

    /** The life this node lives, or {@code null} before {@link #start}. */
    public @Nullable NodeIdentity life() {
        return life;
    }

    /** Whether the node joined the fleet. */
    public boolean joined() {
        return joined;
    }

    private void run() {
        long interval = config.fleet().heartbeatInterval().toNanos();
        while (running) {
            LockSupport.parkNanos(this, interval);
            if (!running) {
                return;
            }
            try {
                if (!joined) {
                    join();
                }
            } catch (RuntimeException e) {
                warnings.warn("Fleet: {}", e.toString());
            }
        }
    }

    /** Connects, marks the previous lives' clients offline, lets the store write, and starts the bus. */
    private synchronized void join() {
        NodeIdentity me = Objects.requireNonNull(life, "not started");
        if (joined) {
            return;
        }
        RedisDeployment.Connection c = connection();
        // Lives of this node before this one left their clients connected (a crash, a kill): they are offline since
        // their last sign of life.
        int reaped = reaper.reap(c.commands(), me.nodeId(), me.incarnation(), FleetReaper.Match.ALL_BUT, "",
                DisconnectReason.RESTARTED.detail());
        if (reaped > 0) {
            metrics.nodeLost(FleetMetrics.LostReason.RESTARTED);
            metrics.clientsReaped(reaped, -1);
        }
        if (!busStarted) {
            bus.subscribe(FleetKeys.inbox(me.nodeId()), inbox);
            bus.start();
            busStarted = true;
        }
        fencing.join(me);
        joined = true;
        log.info("Joined the fleet as {}", me);
    }

    private RedisDeployment.Connection connection() {
        RedisDeployment.Connection c = connection;
        if (c == null) {
            c = deployment.connectUnreported();
            deployment.warmUp(c, timeout); // Cluster: every master's connection open before the first command
            connection = c;
        }
        return c;
    }

    /** Stops the fleet's thread and closes its connections. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (busStarted) {
                bus.close();
            }
            if (connection != null) {
                connection.stateful().close();
            }
        }
    }

    // ---- FleetMetrics.Source

    @Override
    public int members(String state) {
        return "live".equals(state) && joined ? 1 : 0;
    }

    @Override
    public double heartbeatAgeSeconds() {
        return 0;
    }

    @Override
    public boolean isolated() {
        return false;
    }

    @Override
    public long fencedWrites() {
        return fencing.fencedWrites();
    }

    @Override
    public int subscriptionsWanted() {
        return bus.wantedCount();
    }

    @Override
    public int subscriptionsConfirmed() {
        return bus.confirmedCount();
    }

    @Override
    public long resubscribes() {
        return bus.resubscribes();
    }

    @Override
    public long messagesDropped() {
        return bus.dropped();
    }
}
