package io.serpentis.gateway.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.FleetViewMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.store.RedisDeployment;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One picture of the fleet on every node (issue 13 point 1), and commands that reach any client (point 3). The
 * registry holds this node's clients and remote records of every other node's; this class keeps the remote ones
 * current and tells the other nodes about this node's own:
 *
 * <ul>
 *   <li><b>Publishing</b> ({@link FleetFeedPublisher}): every publish interval the full records of this node's
 *       changed clients go out on its feed channel, numbered without gaps, with a heartbeat when idle.</li>
 *   <li><b>Subscribing</b> ({@link FleetFollower}): the feed channel of every member in the member table is
 *       followed through the fleet bus; one thread, {@code fleet-view}, applies what arrives to the registry by
 *       (epoch, version). A record of a client held here that comes with a newer epoch from another node means the
 *       client reconnected there: the local connection lets go (4001), as a kick would make it.</li>
 *   <li><b>Gaps</b>: a sequence jump, a new life, a subscription made again, a new peer, a full queue, a peer's
 *       heartbeat reporting a sequence that did not arrive for three heartbeat intervals, or a live peer silent for
 *       as long make this node read that peer's clients again from Redis ({@link FleetResync}).</li>
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

    private final String nodeId;
    private final LocalClientRegistry registry;
    private final FleetMembers members;
    private final FleetFeedPublisher publisher;
    private final FleetResync resync;
    private final FleetFollower follower;
    private final FleetCommands commands;
    private final FleetClientRegistry routing;
    private final Duration publishInterval;
    private final ScheduledExecutorService feedThread;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));

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
    public FleetView(
            GatewayConfig config,
            Fleet fleet,
            LocalClientRegistry registry,
            RedisDeployment deployment,
            JsonMapper json,
            MeterRegistry meterRegistry) {
        this.nodeId = registry.nodeId();
        this.registry = registry;
        FleetBus bus = fleet.bus();
        this.members = fleet.members();
        FleetViewMetrics metrics = new FleetViewMetrics();
        metrics.bindTo(meterRegistry);
        Duration heartbeat = config.fleet().heartbeatInterval();
        this.publishInterval = config.fleet().publishInterval();
        this.publisher = new FleetFeedPublisher(
                registry,
                new FleetFeedCodec(json),
                bus::publish,
                members::self,
                this::peersPresent,
                metrics,
                heartbeat);
        registry.addListener(publisher);
        this.resync = new FleetResync(
                deployment,
                registry,
                this::apply,
                config.redis().commandTimeout(),
                heartbeat,
                config.registry().retention());
        this.follower = new FleetFollower(
                nodeId, bus, members, metrics, new FleetFeedCodec(json), resync, this::apply, heartbeat);
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
    }

    /** The registry the HTTP routes use: commands for clients held elsewhere go to their node. */
    public ClientRegistry routing() {
        return routing;
    }

    /** Starts publishing and following the fleet (call once the fleet started). */
    public void start() {
        follower.start();
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
                long epoch = ServerFields.longValue(fields.get(ServerFields.GATEWAY_EPOCH));
                if (epoch > local.epoch() && registry.kicked(clientId, epoch)) {
                    log.debug(
                            "client {} reconnected to {}: its connection here is closed",
                            clientId,
                            fields.get(ServerFields.GATEWAY_NODE));
                }
            }
        }
        return registry.applyRemote(clientId, fields);
    }

    /** Stops publishing, following and reading. */
    @Override
    public void close() {
        feedThread.shutdownNow();
        try {
            feedThread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        follower.close();
        resync.close();
        commands.close();
    }
}
