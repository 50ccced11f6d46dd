package io.serpentis.gateway.store;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-behind's thread. It drains the {@link WriteQueue} into {@link WriteBurst}s at most once per flush
 * interval (at once when a batch is waiting) and parks in between, so the changes that arrive meanwhile coalesce
 * into one write per client. When idle it pings Redis; every purge interval it trims the index of expired entries.
 * It connects when Redis comes (loading the index if that never happened) and, after every reconnect, writes every
 * record back in full, since Redis may have restarted empty.
 *
 * <p>It owns two connections from the {@link RedisDeployment}: the write connection (auto-flush off, one flush per
 * burst) and the control connection (script loads, the index load, pings, index upkeep). Lettuce reconnects both by
 * itself; see {@link RedisReconnectPolicy}. On Redis Cluster each is a cluster connection, with a connection per
 * master behind it; a change of the slots' masters (a failover, a reshard) is handled like a reconnect: the new
 * masters are connected to and every record is written back, since a promoted replica may lack the last writes.
 *
 * <p>Threading: {@link #start} runs on the caller, before the thread starts; then only the writer thread touches
 * the connections. Lettuce's event callbacks ({@link #resyncNeeded}, {@link #connectionDeactivated}) only set flags
 * and wake the writer. The state getters are volatile reads, for readiness.
 */
final class RedisWriter {
    private static final Logger log = LoggerFactory.getLogger(RedisWriter.class);

    /** While Lettuce reconnects: how often to look again (an activation wakes the writer earlier). */
    private static final long RECONNECTING_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** After a burst with failures: no hot loop against a sick Redis. */
    private static final long FAILED_BURST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** After an unexpected failure of the loop itself. */
    private static final long LOOP_FAILURE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Without a write for this long, the writer pings to learn whether Redis still answers. */
    private static final long IDLE_PING_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RedisConfig config;
    private final RegistryConfig registryConfig;
    private final LocalClientRegistry registry;
    private final RedisDeployment deployment;
    private final RedisReconnectPolicy reconnect;
    private final WriteQueue queue;
    private final RedisMetrics metrics;
    private final ReplyAwaiter replies;
    private final RedisIndexLoader loader;
    private final RedisScripts scripts;
    /** The fleet this node is a member of, or {@code null} (no fleet: unfenced writes). */
    private final @Nullable FleetFencing fleet;

    private final Thread thread;
    /** Redis trouble repeats until Redis is back: one WARN per 5 s, the rest DEBUG (as Lettuce's reconnect log). */
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));

    private volatile StoreStatus status = StoreStatus.UNKNOWN;
    /** How long loading the index may take, at start-up and when Redis comes later. */
    private volatile Duration loadTimeout = Duration.ofSeconds(30);

    private volatile boolean running = true;
    private volatile boolean draining;
    private volatile boolean loaded;
    private volatile @Nullable String resyncRequested;
    private volatile boolean resyncInProgress;

    // Owned by the writer thread (by the caller of start before that).
    private RedisDeployment.@Nullable Connection writeConnection;
    private @Nullable BurstCommands burstCommands;
    private RedisDeployment.@Nullable Connection controlConnection;
    private long lastTrafficNanos;
    private final IndexCleanup indexCleanup;
    /** Full writes still owed to the current resync; it ends at zero or when the queue runs empty. */
    private int resyncRemaining;
    /** With {@code --redis-ack-mode durable}: tells connections what Redis holds; {@code null} otherwise. */
    private final @Nullable DurableAcks durableAcks;

    RedisWriter(
            RedisConfig config,
            RegistryConfig registryConfig,
            LocalClientRegistry registry,
            RedisDeployment deployment,
            RedisReconnectPolicy reconnect,
            WriteQueue queue,
            RedisMetrics metrics,
            @Nullable FleetFencing fleet) {
        this.config = config;
        this.fleet = fleet;
        this.scripts = new RedisScripts(fleet != null);
        this.durableAcks = config.ackMode() == RedisConfig.AckMode.DURABLE
                ? new DurableAcks(config.ackReplicas(), config.commandTimeout().dividedBy(2))
                : null;
        this.registryConfig = registryConfig;
        this.registry = registry;
        this.deployment = deployment;
        this.reconnect = reconnect;
        this.queue = queue;
        this.metrics = metrics;
        this.replies = new ReplyAwaiter(config.commandTimeout());
        this.indexCleanup = new IndexCleanup(replies, fleet != null, registryConfig.purgeInterval());
        this.loader = new RedisIndexLoader(registry, replies);
        this.thread = new Thread(this::run, "redis-writer");
        this.thread.setDaemon(true);
        if (fleet != null) {
            fleet.onWritable(this::wake);
        }
    }

    /**
     * Connects and loads the index, waiting at most {@code loadTimeout}, then starts the thread. Redis being down
     * is not an error: the thread connects, loads and writes back when Redis comes.
     */
    void start(Duration loadTimeout) {
        this.loadTimeout = loadTimeout;
        long deadline = System.nanoTime() + loadTimeout.toNanos();
        try {
            connect();
            load(deadline);
        } catch (RuntimeException e) {
            status = StoreStatus.UNAVAILABLE;
            log.warn("Redis is not reachable at start-up ({}); serving from memory until it is", e.toString());
        }
        thread.start();
    }

    StoreStatus status() {
        return status;
    }

    boolean loaded() {
        return loaded;
    }

    /** A write-back of every record is under way or requested: Redis may lack what clients were acknowledged. */
    boolean resyncInProgress() {
        return resyncInProgress || resyncRequested != null;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Redis may lack what was written (a connection came back: Redis may have restarted empty; a Cluster failover
     * promoted a replica): write every record back, for {@code reason} (logged). Any thread.
     */
    void resyncNeeded(String reason) {
        resyncRequested = reason;
        wake();
    }

    /** A connection dropped. Any thread. */
    void connectionDeactivated() {
        if (durableAcks != null) {
            durableAcks.connectionLost();
        }
        if (running) {
            status = StoreStatus.UNAVAILABLE;
            wake();
        }
    }

    /** Wakes the thread (a batch is waiting, or the connection state changed). Any thread. */
    void wake() {
        LockSupport.unpark(thread);
    }

    /**
     * Stops the thread after it has written what is pending, waiting at most {@code budget}.
     *
     * @return false when it was stopped already
     */
    boolean stop(Duration budget) {
        if (!running) {
            return false;
        }
        draining = true;
        running = false;
        wake();
        try {
            thread.join(Math.max(1, budget.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draining = false;
        return true;
    }

    /** Closes both connections; after {@link #stop}. */
    void closeConnections() {
        if (writeConnection != null) {
            writeConnection.stateful().close();
        }
        if (controlConnection != null) {
            controlConnection.stateful().close();
        }
    }

    // ---- the writer thread

    private void run() {
        while (running || (draining && queue.size() > 0)) {
            try {
                if (!ensureConnected()) {
                    continue;
                }
                if (!loaded) {
                    load(System.nanoTime() + loadTimeout.toNanos()); // as long as at start-up: a large index
                }
                scripts.reloadIfMissing(deployment, controlConnection(), replies); // a restart empties the cache
                String resync = resyncRequested;
                if (resync != null) {
                    resync(resync);
                }
                cleanupIndexIfDue();
                if (fleet != null && !fleet.writable() && running) {
                    // Not a member in good standing (not joined yet, or found lost): nothing may be written
                    // under this life. The records stay queued; joining wakes the writer.
                    pingIfIdle();
                    LockSupport.parkNanos(this, RECONNECTING_POLL_NANOS);
                    continue;
                }
                List<ClientRecord> batch = queue.drain(config.batchSize());
                if (batch.isEmpty()) {
                    resyncInProgress = false;
                    resyncRemaining = 0;
                    if (durableAcks != null && durableAcks.waiting() && writeConnection != null) {
                        durableAcks.retry(writeConnection, replies); // replicas that were behind
                    }
                    pingIfIdle();
                    if (running) {
                        LockSupport.parkNanos(this, config.flushInterval().toNanos());
                    }
                    continue;
                }
                long burstStart = System.nanoTime();
                writeBurst(batch);
                // Bursts at most once per flush interval unless a batch is waiting: the changes that arrive
                // meanwhile coalesce into one write per client.
                long rest = config.flushInterval().toNanos() - (System.nanoTime() - burstStart);
                if (rest > 0 && running && queue.size() < config.batchSize()) {
                    LockSupport.parkNanos(this, rest);
                }
            } catch (RuntimeException e) {
                warn("Redis writer failed: {}", e);
                LockSupport.parkNanos(this, LOOP_FAILURE_PAUSE_NANOS);
            }
        }
        log.debug("redis writer stopped; {} records still pending", queue.size());
    }

    /** Makes sure both connections exist and are up; returns false (after a pause) while Redis is unreachable. */
    private boolean ensureConnected() {
        RedisDeployment.Connection w = writeConnection;
        RedisDeployment.Connection c = controlConnection;
        if (w != null && c != null && deployment.isOpen(w) && deployment.isOpen(c)) {
            return true;
        }
        if (w == null) {
            try {
                connect();
                return true;
            } catch (RuntimeException e) {
                status = StoreStatus.UNAVAILABLE;
                warn("Redis unreachable: {}", e);
                LockSupport.parkNanos(this, reconnect.connectFailed().toNanos());
                return false;
            }
        }
        // Lettuce is reconnecting a connection.
        status = StoreStatus.UNAVAILABLE;
        LockSupport.parkNanos(this, RECONNECTING_POLL_NANOS);
        return false;
    }

    private void connect() {
        if (controlConnection == null) {
            controlConnection = deployment.connect();
        }
        RedisDeployment.Connection w = deployment.connect();
        w.stateful().setAutoFlushCommands(false); // a dedicated connection: the writer flushes each burst explicitly
        writeConnection = w;
        burstCommands = BurstCommands.of(w);
        if (durableAcks != null) {
            durableAcks.connectionLost();
        }
        deployment.warmUp(w, config.commandTimeout());
        reconnect.connected();
        scripts.load(deployment, controlConnection(), replies);
        status = StoreStatus.CONNECTED;
        lastTrafficNanos = System.nanoTime();
    }

    private void load(long deadlineNanos) {
        loader.load(control(), deadlineNanos);
        loaded = true;
    }

    /**
     * Queues every record for a full write, since Redis may have restarted empty. The store marks and queues the
     * records itself: nothing changed in them, so the registry's other listeners (the dashboard feed) are not told.
     */
    private void resync(String reason) {
        deployment.warmUp(Objects.requireNonNull(writeConnection, "not connected"), config.commandTimeout());
        scripts.load(deployment, controlConnection(), replies); // throws, keeping the request, when Redis is down
        resyncRequested = null;
        resyncInProgress = true;
        metrics.resync();
        resyncRemaining = 0;
        registry.forEach(this::queueFullWrite);
        log.info("{}: writing back {} client records", reason, resyncRemaining);
    }

    private void queueFullWrite(ClientRecord record) {
        record.markFullWrite();
        queue.offer(record);
        resyncRemaining++;
    }

    private void writeBurst(List<ClientRecord> batch) {
        WriteBurst burst = new WriteBurst(
                Objects.requireNonNull(burstCommands, "not connected"),
                deployment.clientsPerScriptCall(),
                registryConfig.retention().toMillis(),
                System.currentTimeMillis(),
                fleet); // a member's writes are always fenced: the loop drains only once it joined
        NodeIdentity life = fleet != null ? fleet.identity() : null;
        for (ClientRecord record : batch) {
            burst.add(record);
        }
        if (!burst.flush()) {
            return;
        }
        WriteBurst.Outcome outcome = burst.settle(replies, queue, metrics);
        if (durableAcks != null) {
            durableAcks.settled(burst.stored(), Objects.requireNonNull(writeConnection), replies);
        }
        if (outcome.scriptsMissing()) {
            scripts.missing();
        }
        if (outcome.firstFailure() != null) {
            warn("Redis write failed, clients stay dirty: {}", outcome.firstFailure());
        }
        if (resyncRemaining > 0 && outcome.fullWrites() > 0) {
            resyncRemaining = Math.max(0, resyncRemaining - outcome.fullWrites());
            if (resyncRemaining == 0) {
                resyncInProgress = false;
                log.info("Redis resync complete");
            }
        }
        if (outcome.failed() == 0) {
            status = StoreStatus.CONNECTED;
            lastTrafficNanos = System.nanoTime();
        } else {
            status = StoreStatus.UNAVAILABLE;
            LockSupport.parkNanos(this, FAILED_BURST_PAUSE_NANOS);
            RedisDeployment.Connection w = writeConnection;
            if (w != null && ReplyAwaiter.timedOut(outcome.firstFailure())) {
                replies.awaitAnswersInFlight(deployment, w, () -> running || draining);
            }
        }
        if (outcome.missing() > 0) {
            log.debug("{} records were missing in Redis and are written in full", outcome.missing());
        }
        if (!outcome.fenced().isEmpty()) {
            fenced(outcome.fenced());
        }
        if (outcome.lifeLost() && fleet != null && life != null) {
            log.warn("Redis says the fleet declared this node ({}) lost: writes wait until it joins again", life);
            fleet.lifeLost(life.incarnation());
        }
    }

    /**
     * Another node owns these clients now: their local connections are superseded, and each record takes what
     * Redis holds (read back in one pipelined round trip), so that this node shows the client as its owner wrote it.
     */
    private void fenced(List<ClientRecord> records) {
        List<String> ids = new ArrayList<>(records.size());
        for (ClientRecord r : records) {
            if (registry.fenced(r)) {
                log.debug("client {} belongs to another node now; its connection here is closed", r.id());
            }
            ids.add(r.id());
        }
        try {
            List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(ids.size());
            for (String id : ids) {
                hashes.add(control().hgetall(RedisStatusStore.key(id)));
            }
            for (int i = 0; i < ids.size(); i++) {
                Map<String, String> hash = replies.await(hashes.get(i));
                if (hash != null && !hash.isEmpty()) {
                    registry.applyRemote(ids.get(i), hash);
                }
            }
        } catch (RuntimeException e) {
            warn("Reading back fenced clients failed: {}", e);
        }
    }

    private void pingIfIdle() {
        long now = System.nanoTime();
        if (now - lastTrafficNanos < IDLE_PING_NANOS) {
            return;
        }
        try {
            replies.await(deployment.ping(controlConnection()));
            status = StoreStatus.CONNECTED;
        } catch (RuntimeException e) {
            status = StoreStatus.UNAVAILABLE;
            warn("Redis ping failed: {}", e);
        }
        lastTrafficNanos = now;
    }

    /** Removes index entries of records that expired (their hashes are gone already). */
    private void cleanupIndexIfDue() {
        try {
            indexCleanup.runIfDue(control());
        } catch (RuntimeException e) {
            warn("Redis index clean-up failed: {}", e);
        }
    }

    private RedisClusterAsyncCommands<String, String> control() {
        return controlConnection().commands();
    }

    private RedisDeployment.Connection controlConnection() {
        return Objects.requireNonNull(controlConnection, "not connected");
    }

    private void warn(String message, Throwable e) {
        warnings.warn(message, e.toString());
    }
}
