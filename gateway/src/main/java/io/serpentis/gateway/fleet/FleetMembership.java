package io.serpentis.gateway.fleet;

import static io.serpentis.gateway.fleet.FleetReplies.num;
import static io.serpentis.gateway.fleet.FleetReplies.rate;
import static io.serpentis.gateway.fleet.FleetReplies.str;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.config.FleetConfig;
import io.serpentis.gateway.internal.RedisReplies;
import io.serpentis.gateway.metrics.FleetMetrics;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.RegistryListener;
import io.serpentis.gateway.store.FleetFencing;
import io.serpentis.gateway.store.FleetKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership in Redis (issue 13, points 5 and 6): this node's lease, the member table, and the reaping of lost
 * nodes, all decided by scripts on the {@code {fleet}} keys with Redis's clock ({@link FleetScripts}).
 *
 * <ul>
 *   <li><b>Join.</b> A node joins with a new life. When another life of its id holds a valid lease, it watches that
 *       life's heartbeat for two and a half heartbeat intervals: if it moves, a live gateway holds the id and the
 *       node refuses to start ({@link FleetJoinException}); if not, it is this node's own previous life (a crash and
 *       a quick restart) and the new life takes over. Either way a previous life's clients are marked offline at
 *       once ({@code Gateway restarted}), at their last sign of life.</li>
 *   <li><b>Heartbeat.</b> Every interval the node renews its lease and reads the member table back. When Redis says
 *       the fleet declared this life lost (it was paused, or cut off, for longer than its lease), the store stops
 *       writing, the node takes a new life, joins, and takes back the clients whose connections are still open
 *       here (their writes in between were fenced).</li>
 *   <li><b>Reaping.</b> A member whose lease ended more than the grace ago is declared lost by exactly one survivor
 *       (the script's {@code ZREM} wins once; a rendezvous order spreads the attempts), and only by one whose own
 *       lease has held for a whole lease (after a Redis stall nobody reaps until everyone could renew). The winner
 *       marks the lost life's clients offline ({@link FleetReaper}) and finishes the job; a job whose reaper
 *       stopped is resumed by another node ({@link FleetReaping}).</li>
 *   <li><b>Leave.</b> A graceful stop removes the node from the members at once, after its clients' ends were
 *       written.</li>
 * </ul>
 *
 * <p>Threading: {@link #join}, {@link #tick} and {@link #leave} run on one thread (the fleet's membership thread,
 * or the starting thread before it runs) and block on Redis; the read side ({@link FleetMembers}) is volatile
 * snapshots, for any thread.
 */
final class FleetMembership implements FleetMembers {
    private static final Logger log = LoggerFactory.getLogger(FleetMembership.class);

    /** How long a reap job is held before another node may resume it. */
    static final Duration JOB_LEASE = Duration.ofSeconds(10);

    private static final int MEMBER_FIELDS = 10;
    private static final int HEADER = 7;

    private final FleetConfig config;
    private final LocalClientRegistry registry;
    private final RegistryListener store;
    private final FleetFencing fencing;
    private final FleetReaper reaper;
    private final FleetMetrics metrics;
    private final Duration timeout;
    private final long startedMillis = System.currentTimeMillis();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Declares lost members lost and marks their clients offline, on this thread. */
    private final FleetReaping reaping;

    private volatile LongSupplier feedSeq = () -> 0;
    private volatile DoubleSupplier updateRate = () -> 0;

    private volatile @Nullable NodeIdentity life;
    private volatile boolean joined;
    private volatile boolean firstLife = true;
    /** When ({@link System#nanoTime()}) the lease was last renewed; 0 before the first renewal. */
    private volatile long renewedNanos;

    private volatile long heldSinceNanos;

    private volatile @Nullable String problem;
    private volatile Map<String, Member> table = Map.of();
    private volatile List<LostNode> lost = List.of();
    private String lostSignature = "";

    FleetMembership(
            FleetConfig config,
            LocalClientRegistry registry,
            RegistryListener store,
            FleetFencing fencing,
            FleetReaper reaper,
            FleetMetrics metrics,
            Duration timeout) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.fencing = fencing;
        this.reaper = reaper;
        this.metrics = metrics;
        this.timeout = timeout;
        this.reaping = new FleetReaping(config, reaper, metrics, () -> lostSignature = "");
    }

    /** The life this node starts with; {@link #join} makes it a member. */
    void begin(NodeIdentity first) {
        life = first;
    }

    /** Where each heartbeat's feed sequence comes from (the fleet view's publisher). */
    void feedSequence(LongSupplier seq) {
        feedSeq = seq;
    }

    /** Where each heartbeat's update rate comes from (the fleet's history, {@link FleetHistory#ownRate}). */
    void updateRate(DoubleSupplier rate) {
        updateRate = rate;
    }

    // ---- read side

    @Override
    public @Nullable NodeIdentity self() {
        return joined ? life : null;
    }

    @Override
    public List<Member> members() {
        return List.copyOf(table.values());
    }

    @Override
    public @Nullable Member member(String nodeId) {
        return table.get(nodeId);
    }

    @Override
    public List<LostNode> lost() {
        return lost;
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Whether the node is a member in good standing (joined, its life not found lost since). */
    boolean joined() {
        return joined;
    }

    /** When ({@link System#nanoTime()}) the lease was last renewed; 0 before the first renewal. */
    long renewedNanos() {
        return renewedNanos;
    }

    /**
     * Since when (this node's monotonic clock) its lease has been renewed without a gap of three heartbeat
     * intervals; 0 before it first renewed. A peer that finds itself cut off trusts this node's word that Redis is
     * fine only if the lease held since before the peer's own last renewal (else Redis failed for both alike).
     */
    long heldSinceNanos() {
        return heldSinceNanos;
    }

    /** Why the node cannot be a member (another live gateway holds its id), or {@code null}. */
    @Nullable
    String problem() {
        return problem;
    }

    // ---- the membership thread

    /**
     * Joins as the current life; a first life also marks what earlier lives of this node left connected offline.
     * Throws {@link FleetJoinException} when a live gateway holds the id, or a runtime exception when Redis fails.
     */
    void join(RedisClusterAsyncCommands<String, String> c) {
        NodeIdentity me = Objects.requireNonNull(life, "no life to join with");
        List<Object> r = beat(c, "join", me);
        if ("BUSY".equals(r.get(0))) {
            r = waitForHolder(c, me, r);
        }
        if ("REAPED".equals(r.get(0))) {
            throw new IllegalStateException("a new life cannot have been declared lost");
        }
        refreshLost(c, r);
        renewed(r);
        String replaced = str(r, 3);
        if (!replaced.isEmpty()) {
            reaping.finishReap(
                    c, FleetKeys.life(me.nodeId(), replaced), me.nodeId(), replaced, str(r, 4), "restarted", -1);
        }
        if (firstLife) {
            // Lives before the one just replaced whose clients no job marked (their records survived their
            // membership keys): at their last sign of life.
            int n = reaper.reap(
                    c,
                    me.nodeId(),
                    me.incarnation(),
                    FleetReaper.Match.ALL_BUT,
                    "",
                    DisconnectReason.RESTARTED.detail());
            metrics.clientsReaped(n, -1);
            firstLife = false;
        } else {
            int n = registry.reclaimForNewLife(store::changed);
            log.info("Taking back {} clients whose connections stayed open here", n);
        }
        problem = null;
        joined = true;
        fencing.join(me);
        log.info("Joined the fleet as {} ({} members)", me, table.size());
    }

    /** Another life of this id holds a valid lease: a live duplicate (refused) or this node's own crashed life. */
    private List<Object> waitForHolder(
            RedisClusterAsyncCommands<String, String> c, NodeIdentity me, List<Object> busy) {
        String holder = str(busy, 1);
        String heartbeat = str(busy, 2);
        long waitMillis = config.heartbeatInterval().toMillis() * 5 / 2;
        log.info(
                "Node id {} is held by life {} ({}): watching its heartbeat for {} ms",
                me.nodeId(),
                holder,
                str(busy, 3),
                waitMillis);
        sleep(waitMillis);
        List<Object> again = beat(c, "join", me);
        if (!"BUSY".equals(again.get(0))) {
            return again;
        }
        if (!str(again, 1).equals(holder) || !str(again, 2).equals(heartbeat)) {
            throw new FleetJoinException("node id " + me.nodeId() + " is held by a live gateway (incarnation "
                    + str(again, 1) + ", address " + str(again, 3) + "): give each node a unique --node-id");
        }
        log.info("Life {} of {} renews nothing: this node's previous life; taking over", holder, me.nodeId());
        return beat(c, "takeover", me);
    }

    /**
     * One interval's work: renew the lease (or join, or take a new life when this one was declared lost), then
     * declare lost members lost and mark their clients offline.
     */
    void tick(RedisClusterAsyncCommands<String, String> c) {
        NodeIdentity me = Objects.requireNonNull(life, "not started");
        if (!joined) {
            rejoinOrJoin(c);
            return;
        }
        if (fencing.suspended()) {
            lifeLost(c, me, "a write found it");
            return;
        }
        List<Object> r = beat(c, "beat", me);
        if ("REAPED".equals(r.get(0))) {
            lifeLost(c, me, "its heartbeat found it");
            return;
        }
        refreshLost(c, r); // first: a member gone from the table is told with its lost record
        renewed(r);
        reaping.reapDue(c, Long.parseLong(str(r, 1)), table.values(), me);
        reaping.resumeJobs(c, me);
    }

    private void rejoinOrJoin(RedisClusterAsyncCommands<String, String> c) {
        try {
            join(c);
        } catch (FleetJoinException e) {
            problem = e.getMessage();
            throw e;
        }
    }

    /** The fleet declared this life lost: the store stops, and the node joins again in a new life. */
    private void lifeLost(RedisClusterAsyncCommands<String, String> c, NodeIdentity me, String how) {
        fencing.suspend();
        joined = false;
        NodeIdentity next = me.nextLife();
        life = next;
        log.warn(
                "The fleet declared {} lost ({}): its writes since were refused; joining again as {}",
                me,
                how,
                next.incarnation());
        rejoinOrJoin(c);
    }

    private List<Object> beat(RedisClusterAsyncCommands<String, String> c, String mode, NodeIdentity me) {
        String[] keys = {
            FleetKeys.NODES,
            FleetKeys.node(me.nodeId()),
            FleetKeys.lost(me.nodeId(), me.incarnation()),
            FleetKeys.REAP_JOBS,
            FleetKeys.LOST
        };
        return await(FleetScripts.run(
                c,
                FleetScripts.HEARTBEAT,
                ScriptOutputType.MULTI,
                keys,
                mode,
                me.nodeId(),
                me.incarnation(),
                me.address(),
                Long.toString(startedMillis),
                Integer.toString(registry.connectedCount()),
                Long.toString(feedSeq.getAsLong()),
                Long.toString(config.lease().toMillis()),
                Long.toString(JOB_LEASE.toMillis()),
                Double.toString(updateRate.getAsDouble())));
    }

    /** A renewal succeeded: the member table is what it brought back. */
    private void renewed(List<Object> r) {
        long local = System.nanoTime();
        long previous = renewedNanos;
        if (previous == 0 || local - previous > 3 * config.heartbeatInterval().toNanos()) {
            heldSinceNanos = local;
        }
        renewedNanos = local;
        long now = Long.parseLong(str(r, 1));
        long staleAfter = 2 * config.heartbeatInterval().toMillis();
        Map<String, Member> next = new TreeMap<>();
        for (int i = HEADER; i + MEMBER_FIELDS <= r.size(); i += MEMBER_FIELDS) {
            long lastHb = num(str(r, i + 5));
            Member m = new Member(
                    str(r, i),
                    str(r, i + 2),
                    str(r, i + 3),
                    now - lastHb <= staleAfter ? State.LIVE : State.STALE,
                    num(str(r, i + 4)),
                    lastHb,
                    (long) Double.parseDouble(str(r, i + 1)),
                    (int) num(str(r, i + 6)),
                    num(str(r, i + 8)),
                    rate(str(r, i + 9)));
            next.put(m.nodeId(), m);
        }
        Map<String, Member> before = table;
        table = next;
        for (Member m : next.values()) {
            Member old = before.get(m.nodeId());
            if (old == null) {
                listeners.forEach(l -> l.joined(m));
            } else if (!old.incarnation().equals(m.incarnation())) {
                listeners.forEach(l -> l.incarnationChanged(old, m));
            }
        }
        for (Member old : before.values()) {
            if (!next.containsKey(old.nodeId())) {
                LostNode why = lostRecord(old);
                listeners.forEach(l -> l.gone(old, why));
            }
        }
    }

    private @Nullable LostNode lostRecord(Member m) {
        for (LostNode n : lost) {
            if (n.nodeId().equals(m.nodeId()) && n.incarnation().equals(m.incarnation())) {
                return n;
            }
        }
        return null;
    }

    /** Reads the lost nodes again when the heartbeat says they changed. */
    private void refreshLost(RedisClusterAsyncCommands<String, String> c, List<Object> r) {
        String signature = str(r, 5) + "/" + str(r, 6);
        if (signature.equals(lostSignature)) {
            return;
        }
        List<String> lives = await(c.zrevrange(FleetKeys.LOST, 0, 99));
        List<Future<Map<String, String>>> hashes = new ArrayList<>(lives.size());
        for (String l : lives) {
            hashes.add(c.hgetall(FleetKeys.LOST + ":" + l));
        }
        List<LostNode> next = new ArrayList<>(lives.size());
        for (Future<Map<String, String>> f : hashes) {
            Map<String, String> h = await(f);
            if (h != null && h.containsKey("node")) {
                next.add(new LostNode(
                        h.get("node"),
                        h.getOrDefault("incarnation", ""),
                        h.getOrDefault("address", ""),
                        num(h.get("lost_at")),
                        h.getOrDefault("why", ""),
                        num(h.get("last_hb")),
                        h.getOrDefault("reaper", ""),
                        (int) num(h.get("clients"))));
            }
        }
        next.sort(Comparator.comparingLong(LostNode::lostAtMillis).reversed());
        lost = List.copyOf(next);
        lostSignature = signature;
    }

    /**
     * Leaves the fleet: out of the members at once, recorded as left. {@code clean} when every client's end
     * reached Redis; otherwise a reap job lets a peer mark the rest.
     */
    void leave(RedisClusterAsyncCommands<String, String> c, boolean clean) {
        NodeIdentity me = life;
        if (me == null || !joined) {
            return;
        }
        joined = false;
        Object left = await(FleetScripts.run(
                c,
                FleetScripts.LEAVE,
                ScriptOutputType.INTEGER,
                new String[] {
                    FleetKeys.NODES,
                    FleetKeys.node(me.nodeId()),
                    FleetKeys.LOST,
                    FleetKeys.lost(me.nodeId(), me.incarnation()),
                    FleetKeys.REAP_JOBS
                },
                me.nodeId(),
                me.incarnation(),
                clean ? "1" : "0"));
        if (Long.valueOf(1).equals(left) && clean) {
            await(c.del(FleetKeys.clients(me.nodeId())));
        }
        metrics.nodeLost(FleetMetrics.LostReason.LEFT);
        log.info("Left the fleet ({})", clean ? "every client's end written" : "a peer marks what is left");
    }

    // ---- helpers

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private <T> T await(Future<T> f) {
        return RedisReplies.await(f, timeout.toMillis(), timeout);
    }
}
