package io.serpentis.gateway.fleet;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.internal.RedisReplies;
import io.serpentis.gateway.logging.RateLimitedLog;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisDeployment;
import io.serpentis.gateway.store.RedisStatusStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a peer's clients again from Redis when the view may have missed some of its feed (a gap, a new life, a
 * subscription made again, a new peer): its client set a page at a time ({@code SSCAN}), each page's records in one
 * pipelined round trip ({@code HGETALL} each, one key per command, so pages span Cluster slots), applied by (epoch,
 * version) like any feed message. Records the view holds as connected on that peer but missing from its set (they
 * moved, or were marked offline and left the set) are read again one by one, too. So are the clients that left
 * since the view last knew it was complete ({@link #departures}): a client that came and went on the peer while its
 * feed was not followed has left the set, but not the index. Deltas that arrive meanwhile are applied anyway:
 * whatever arrives last, the newer record wins.
 *
 * <p>Requests are coalesced per peer: while one waits, asking again adds nothing; one asked during a read runs
 * again after it. A read that fails (Redis down) is retried after the retry delay.
 *
 * <p>Threading: {@link #request} from any thread; the reads run on the {@code fleet-resync} thread, on a connection
 * of their own, and block on Redis (never an event loop's thread).
 */
final class FleetResync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetResync.class);

    /** Client ids per {@code SSCAN} page, and so records per pipelined round trip. */
    static final int PAGE = 500;

    /** How far the wall clocks of two nodes may differ, allowed for when departures are read by time. */
    static final long CLOCK_SLACK_MILLIS = 5_000;

    private final RedisDeployment deployment;
    private final LocalClientRegistry registry;
    private final BiPredicate<String, Map<String, String>> apply;
    private final Duration timeout;
    private final Duration retry;
    private final long retentionMillis;
    private final long startedMillis;
    private final ScheduledExecutorService executor;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    /** Per peer: the wall-clock time up to which its departures were read (only the resync thread touches it). */
    private final Map<String, Long> departuresRead = new HashMap<>();
    /** Per peer: when the first life of it the view knew of started. */
    private final Map<String, Long> firstLives = new ConcurrentHashMap<>();

    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(5));
    private RedisDeployment.@Nullable Connection connection;
    private volatile boolean closed;

    /**
     * @param apply applies one record as Redis holds it (any thread); true when the view changed
     * @param timeout how long one round trip may take
     * @param retry how long after a failed read it is tried again
     * @param retention how long a departed client's record is kept (the index scores it by its departure plus this:
     *     every node of a fleet runs with the same retention)
     */
    FleetResync(
            RedisDeployment deployment,
            LocalClientRegistry registry,
            BiPredicate<String, Map<String, String>> apply,
            Duration timeout,
            Duration retry,
            Duration retention) {
        this.deployment = deployment;
        this.registry = registry;
        this.apply = apply;
        this.timeout = timeout;
        this.retry = retry;
        this.retentionMillis = retention.toMillis();
        // Built before the store loads its index at start-up: what left before the load, the load read.
        this.startedMillis = System.currentTimeMillis();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-resync");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads node {@code nodeId}'s clients again, soon.
     *
     * @param firstLifeStartMillis when the first life of that node the view knew of started (epoch ms; 0 unknown):
     *     the first read of its departures starts there, or when the view was built if that is later
     * @return false when a read of that node was waiting already (this request adds nothing)
     */
    boolean request(String nodeId, long firstLifeStartMillis) {
        if (closed || !waiting.add(nodeId)) {
            return false;
        }
        firstLives.putIfAbsent(nodeId, firstLifeStartMillis);
        submit(() -> resync(nodeId), 0);
        return true;
    }

    /**
     * Reads again, {@code after} from now, the records the view holds as connected on {@code nodeId}, a node that
     * is no longer a member (its reaper marks them offline; this catches what its feed did not bring).
     */
    void orphans(String nodeId, Duration after) {
        submit(
                () -> {
                    try {
                        int n = readAgain(connection(), nodeId, Set.of());
                        if (n > 0) {
                            log.debug("{} records of former member {} read again", n, nodeId);
                        }
                    } catch (RuntimeException e) {
                        warnings.warn("Reading the clients of former member {} failed: {}", nodeId, e.toString());
                    }
                },
                after.toMillis());
    }

    /** Forgets a node that is no longer a member (a later life of it is read as a new peer's). */
    void forget(String nodeId) {
        firstLives.remove(nodeId);
        submit(() -> departuresRead.remove(nodeId), 0);
    }

    /** Reads still waiting or running (tests). */
    boolean idle() {
        return waiting.isEmpty();
    }

    private void submit(Runnable task, long delayMillis) {
        try {
            executor.schedule(
                    () -> {
                        if (!closed) {
                            task.run();
                        }
                    },
                    delayMillis,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void resync(String nodeId) {
        waiting.remove(nodeId); // a request from now on reads again after this one
        long started = System.nanoTime();
        try {
            RedisClusterAsyncCommands<String, String> c = connection();
            Set<String> listed = new HashSet<>();
            int applied = 0;
            String set = FleetKeys.clients(nodeId);
            ValueScanCursor<String> page = null;
            do {
                page = await(
                        page == null
                                ? c.sscan(set, ScanArgs.Builder.limit(PAGE))
                                : c.sscan(set, page, ScanArgs.Builder.limit(PAGE)));
                listed.addAll(page.getValues());
                applied += readAll(c, page.getValues());
            } while (!page.isFinished());
            applied += readAgain(c, nodeId, listed);
            applied += departures(c, nodeId, started);
            log.debug(
                    "Read {} clients of {} again from Redis in {} ms ({} changed the view)",
                    listed.size(),
                    nodeId,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    applied);
        } catch (RuntimeException e) {
            warnings.warn(
                    "Reading {}'s clients from Redis failed ({}); trying again in {} ms",
                    nodeId,
                    e.toString(),
                    retry.toMillis());
            if (waiting.add(nodeId)) {
                submit(() -> resync(nodeId), retry.toMillis());
            }
        }
    }

    /**
     * Reads the records the view holds as connected on {@code nodeId} that {@code listed} does not name.
     *
     * @return how many changed the view
     */
    private int readAgain(RedisClusterAsyncCommands<String, String> c, String nodeId, Set<String> listed) {
        List<String> missing = new ArrayList<>();
        registry.forEach(r -> {
            if (!listed.contains(r.id()) && heldOn(r, nodeId)) {
                missing.add(r.id());
            }
        });
        int applied = 0;
        for (int from = 0; from < missing.size(); from += PAGE) {
            applied += readAll(c, missing.subList(from, Math.min(missing.size(), from + PAGE)));
        }
        return applied;
    }

    /**
     * Reads the records of {@code nodeId}'s clients that left since this view last read its departures (at first:
     * since the view was built, when the store's index load read what had left before, or since the node's first
     * life started if that is later). The index scores a departed client by its departure plus the retention, so
     * they are one score range; records of other nodes in it are skipped (their own feeds bring them). Pages go by
     * score (the next starts at the last score read), so an entry that leaves the range meanwhile (its client came
     * back) cannot shift another out of the read.
     *
     * @return how many changed the view
     */
    private int departures(RedisClusterAsyncCommands<String, String> c, String nodeId, long startedNanos) {
        long now = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        Long read = departuresRead.get(nodeId);
        long since = (read != null ? read : Math.max(startedMillis, firstLives.getOrDefault(nodeId, 0L)))
                - CLOCK_SLACK_MILLIS;
        double from = since + retentionMillis;
        double to = now + retentionMillis + CLOCK_SLACK_MILLIS;
        long tied = 0; // entries scored exactly `from` read already
        int applied = 0;
        while (true) {
            List<ScoredValue<String>> page = await(c.zrangebyscoreWithScores(
                    RedisStatusStore.INDEX_KEY, Range.create(from, to), Limit.create(tied, PAGE)));
            List<String> ids = new ArrayList<>(page.size());
            page.forEach(v -> ids.add(v.getValue()));
            applied += readAll(c, ids, nodeId);
            if (page.size() < PAGE) {
                break;
            }
            double last = page.get(page.size() - 1).getScore();
            long atLast = page.stream().filter(v -> v.getScore() == last).count();
            tied = last == from ? tied + atLast : atLast;
            from = last;
        }
        departuresRead.put(nodeId, now);
        return applied;
    }

    private static boolean heldOn(ClientRecord r, String nodeId) {
        return r.isRemote() && r.connected() && nodeId.equals(r.field(ServerFields.GATEWAY_NODE));
    }

    /** One pipelined round trip: every record of {@code ids}, applied. */
    private int readAll(RedisClusterAsyncCommands<String, String> c, List<String> ids) {
        return readAll(c, ids, null);
    }

    /** {@link #readAll(RedisClusterAsyncCommands, List)}, only the records last written by {@code node} if given. */
    private int readAll(RedisClusterAsyncCommands<String, String> c, List<String> ids, @Nullable String node) {
        List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(ids.size());
        for (String id : ids) {
            hashes.add(c.hgetall(RedisStatusStore.key(id)));
        }
        int applied = 0;
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> hash = await(hashes.get(i));
            if (hash != null
                    && !hash.isEmpty()
                    && (node == null || node.equals(hash.get(ServerFields.GATEWAY_NODE)))
                    && apply.test(ids.get(i), hash)) {
                applied++;
            }
        }
        return applied;
    }

    private RedisClusterAsyncCommands<String, String> connection() {
        RedisDeployment.Connection c = connection;
        if (c == null) {
            c = deployment.connectUnreported();
            deployment.warmUp(c, timeout); // Cluster: every master's connection open before the first command
            connection = c;
        }
        return c.commands();
    }

    private <T> T await(Future<T> f) {
        return RedisReplies.await(f, timeout.toMillis(), timeout);
    }

    /** Stops the thread (a read in progress ends at its next round trip) and closes the connection. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RedisDeployment.Connection c = connection;
        if (c != null) {
            c.stateful().close();
        }
    }
}
