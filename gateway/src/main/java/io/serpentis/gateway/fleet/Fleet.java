package io.serpentis.gateway.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.internal.Threads;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.store.FleetFencing;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisDeployment;
import io.serpentis.gateway.store.RedisStatusStore;
import io.serpentis.gateway.store.StatusStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * This node's part in the fleet of gateways on one Redis deployment (issue 13): membership and reaping
 * ({@link FleetMembership}), the node's inbox ({@link FleetInbox}: kicks), the fleet's pub/sub ({@link FleetBus}),
 * and what the node does when it is cut off from Redis ({@link FleetIsolation}). The store's writes wait for the
 * join and stop while the node's life is found lost ({@link FleetFencing}).
 *
 * <p>Joining happens in {@link #start}, before the gateway answers its first client when Redis answers (so a
 * restarted node's previous clients are offline before it serves); otherwise the {@code fleet-membership} thread
 * keeps trying, and the store writes nothing meanwhile (clients are served from memory as in any Redis outage).
 * A node whose id a live gateway holds does not start ({@link FleetJoinException}). Every Redis call of the fleet
 * goes over its own connections, on its own threads, never an event loop's: {@code fleet-membership} (heartbeats,
 * reaping; blocks on Redis), {@code fleet-bus} (messages), {@code fleet-watchdog} (isolation).
 *
 * <p>Seams for the fleet's live view: {@link #members()} (the member table and lost nodes, with a listener),
 * {@link #bus()} (more channels), {@link #feedSequence} (what each heartbeat reports of the node's feed),
 * {@link #updateRate} (what it reports of the node's acknowledged updates).
 *
 * <p>Thread-safe; {@link #start} and {@link #close} once each.
 */
public final class Fleet implements AutoCloseable, FleetMetrics.Source {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final GatewayConfig config;
    private final RedisDeployment deployment;
    private final RedisStatusStore store;
    private final FleetFencing fencing;
    private final FleetMetrics metrics;
    private final FleetBus bus;
    private final FleetInbox inbox;
    private final FleetReaper reaper;
    private final FleetMembership membership;
    private final FleetIsolation isolation;
    private final Duration timeout;
    private final Thread thread;
    private final ScheduledExecutorService watchdog;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    private volatile boolean running = true;
    private boolean busStarted;
    private RedisDeployment.@Nullable Connection connection;

    /**
     * @param config the gateway's configuration (its {@code fleet}, {@code redis} and {@code registry} parts)
     * @param registry this node's registry (fenced)
     * @param store the Redis store, whose deployment the fleet's connections come from
     * @param fencing what the store's writes need from the fleet
     * @param json the gateway's JSON mapper
     * @param meterRegistry where the fleet's meters go
     */
    public Fleet(
            GatewayConfig config,
            LocalClientRegistry registry,
            RedisStatusStore store,
            FleetFencing fencing,
            JsonMapper json,
            MeterRegistry meterRegistry) {
        this.config = config;
        this.store = store;
        this.deployment = store.deployment();
        this.fencing = fencing;
        this.timeout = config.redis().commandTimeout();
        this.metrics = new FleetMetrics(this);
        metrics.bindTo(meterRegistry);
        this.bus = new FleetBus(deployment, config.fleet().heartbeatInterval(), FleetKeys.inbox(fencing.nodeId()));
        this.inbox = new FleetInbox(bus, registry, json, metrics, fencing.nodeId());
        this.reaper = new FleetReaper(registry, config.registry().retention(), timeout);
        this.membership = new FleetMembership(config.fleet(), registry, store, fencing, reaper, metrics, timeout);
        this.isolation = new FleetIsolation(config.fleet(), membership, registry);
        fencing.addListener(inbox);
        fencing.addListener(new FleetFencing.Listener() {
            @Override
            public void lifeLost(String incarnation) {
                LockSupport.unpark(thread); // join again now, not at the next interval
            }
        });
        this.thread = new Thread(this::run, "fleet-membership");
        this.thread.setDaemon(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins the fleet as {@code life}: at once when Redis answers (the clients this node's previous lives left
     * connected are offline before this returns), else as soon as it does.
     *
     * @throws FleetJoinException when another live gateway holds this node's id
     */
    public void start(NodeIdentity life) {
        membership.begin(life);
        try {
            synchronized (this) {
                membership.join(connection().commands());
                startBus();
            }
        } catch (FleetJoinException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("Cannot join the fleet yet ({}); joining when Redis answers", e.toString());
        }
        thread.start();
        long check = Math.max(50, config.fleet().heartbeatInterval().toMillis() / 4);
        watchdog.scheduleWithFixedDelay(this::checkIsolation, check, check, TimeUnit.MILLISECONDS);
    }

    /** The fleet as this node sees it (the member table and the nodes lost recently), from memory. */
    public FleetMembers members() {
        return membership;
    }

    /** The fleet's pub/sub: subscribe more channels, publish on them. */
    public FleetBus bus() {
        return bus;
    }

    /** This node's inbox, to which the fleet view adds the messages of cross-node commands. */
    FleetInbox inbox() {
        return inbox;
    }

    /**
     * Tells {@code listener} the id of every client this node marks offline for a lost life of a node (the fleet
     * view publishes those records on this node's feed). Called on the membership thread; must not block.
     */
    void onReaped(Consumer<String> listener) {
        reaper.onReaped(listener);
    }

    /** Where each heartbeat's feed sequence comes from (the fleet view's publisher); 0 until set. */
    public void feedSequence(LongSupplier seq) {
        membership.feedSequence(seq);
    }

    /**
     * Where each heartbeat's update rate comes from (this node's acknowledged status updates per second, from
     * {@link FleetHistory#ownRate}); 0 until set. Every member's rate is in the member table, and the fleet's
     * history sums them.
     */
    public void updateRate(DoubleSupplier rate) {
        membership.updateRate(rate);
    }

    /**
     * The fleet's part of {@code /readyz}: ready while the node is a member in good standing; not while it joins,
     * while it is isolated from Redis (no lease renewed for the isolation delay), while it takes a new life after
     * the fleet declared it lost, or while a live gateway holds its id.
     */
    public StatusStore.Readiness readiness() {
        String state;
        if (membership.problem() != null) {
            state = "duplicate_node_id";
        } else if (isolation.isolated()) {
            state = "isolated";
        } else if (!membership.joined()) {
            state = membership.renewedNanos() == 0 ? "joining" : "rejoining";
        } else {
            state = "member";
        }
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("fleet", state);
        long renewed = membership.renewedNanos();
        if (renewed != 0) {
            // Peers that find themselves cut off ask for this: a 200 from a node that renewed long ago proves
            // nothing about Redis now.
            long now = System.nanoTime();
            checks.put("fleet_heartbeat_age_ms", Long.toString(TimeUnit.NANOSECONDS.toMillis(now - renewed)));
            checks.put(
                    "fleet_lease_held_ms",
                    Long.toString(TimeUnit.NANOSECONDS.toMillis(now - membership.heldSinceNanos())));
        }
        return new StatusStore.Readiness(state.equals("member"), checks);
    }

    private void run() {
        long interval = config.fleet().heartbeatInterval().toNanos();
        long next = System.nanoTime();
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0 && !lifeFoundLost()) {
                LockSupport.parkNanos(this, wait);
                if (!running) {
                    return;
                }
                if (System.nanoTime() - next < 0 && !lifeFoundLost()) {
                    continue; // woken early for nothing
                }
            }
            next = System.nanoTime() + interval;
            try {
                synchronized (this) {
                    membership.tick(connection().commands());
                    startBus();
                }
            } catch (FleetJoinException e) {
                warnings.warn("Cannot rejoin the fleet: {}", e.getMessage());
            } catch (RuntimeException e) {
                warnings.warn("Fleet heartbeat failed: {}", e.toString());
            }
        }
    }

    /** A write found this member's life declared lost: join again at once rather than at the next interval. */
    private boolean lifeFoundLost() {
        return membership.joined() && fencing.suspended();
    }

    private void startBus() {
        if (!busStarted && membership.joined()) {
            bus.subscribe(FleetKeys.inbox(fencing.nodeId()), inbox);
            bus.start();
            busStarted = true;
        }
    }

    private void checkIsolation() {
        try {
            isolation.check();
        } catch (RuntimeException e) {
            warnings.warn("Fleet isolation check failed: {}", e.toString());
        }
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

    /**
     * Leaves the fleet (after the store wrote the clients' ends: the caller drains it first), stops the fleet's
     * threads and closes its connections.
     */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        watchdog.shutdownNow();
        Threads.join(thread, Duration.ofSeconds(3));
        synchronized (this) {
            RedisDeployment.Connection c = connection;
            if (c != null && membership.joined()) {
                try {
                    membership.leave(c.commands(), store.dirtyClients() == 0);
                } catch (RuntimeException e) {
                    log.warn(
                            "Could not leave the fleet ({}): peers declare this node lost when its lease ends",
                            e.toString());
                }
            }
            if (busStarted) {
                bus.close();
            }
            if (c != null) {
                c.stateful().close();
            }
        }
    }

    // ---- FleetMetrics.Source

    @Override
    public int members(String state) {
        FleetMembers.State s = "stale".equals(state) ? FleetMembers.State.STALE : FleetMembers.State.LIVE;
        return (int) membership.members().stream().filter(m -> m.state() == s).count();
    }

    @Override
    public double heartbeatAgeSeconds() {
        long renewed = membership.renewedNanos();
        return renewed == 0 ? 0 : (System.nanoTime() - renewed) / 1e9;
    }

    @Override
    public boolean isolated() {
        return isolation.isolated();
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

    @Override
    public String toString() {
        return "Fleet[" + Objects.requireNonNullElse(membership.self(), fencing.nodeId()) + "]";
    }
}
