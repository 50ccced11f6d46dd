package io.serpentis.gateway.fleet;

import static io.serpentis.gateway.fleet.FleetReplies.iso;
import static io.serpentis.gateway.fleet.FleetReplies.num;
import static io.serpentis.gateway.fleet.FleetReplies.str;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.config.FleetConfig;
import io.serpentis.gateway.fleet.FleetMembers.Member;
import io.serpentis.gateway.metrics.FleetMetrics;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.store.FleetKeys;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reaping of lost members, for {@link FleetMembership}: a member whose lease ended more than the grace ago is
 * declared lost by exactly one survivor (the claim script's {@code ZREM} wins once; a rendezvous order spreads the
 * attempts so that one node usually does the work), which marks the lost life's clients offline
 * ({@link FleetReaper}) and finishes the job; a job whose reaper stopped is resumed by another node.
 *
 * <p>Threading: confined to the fleet's membership thread (or the starting thread before it runs), like the
 * membership that calls it; it blocks on Redis.
 */
final class FleetReaping {
    private static final Logger log = LoggerFactory.getLogger(FleetReaping.class);

    private final FleetConfig config;
    private final FleetReaper reaper;
    private final FleetMetrics metrics;
    /** Told when a reap changed the lost nodes' records (the membership reads them again). */
    private final Runnable lostChanged;
    /** When ({@link System#nanoTime()}) each member was first seen due for reaping. */
    private final Map<String, Long> dueSince = new HashMap<>();

    FleetReaping(FleetConfig config, FleetReaper reaper, FleetMetrics metrics, Runnable lostChanged) {
        this.config = config;
        this.reaper = reaper;
        this.metrics = metrics;
        this.lostChanged = lostChanged;
    }

    /** Declares due members lost (one at a time, in rendezvous order) and marks their clients offline. */
    void reapDue(RedisClusterAsyncCommands<String, String> c, long now, Collection<Member> members, NodeIdentity me) {
        List<String> alive = new ArrayList<>();
        List<Member> due = new ArrayList<>();
        for (Member m : members) {
            if (m.leaseEndMillis() > now) {
                alive.add(m.nodeId());
            } else if (!m.nodeId().equals(me.nodeId())
                    && m.leaseEndMillis() <= now - config.reapGrace().toMillis()) {
                due.add(m);
            }
        }
        dueSince.keySet().retainAll(due.stream().map(Member::nodeId).toList());
        long local = System.nanoTime();
        for (Member m : due) {
            long since = dueSince.computeIfAbsent(m.nodeId(), k -> local);
            // Rendezvous: every survivor ranks itself for this candidate; the first tries at once, the next one
            // interval later, so that one node usually does the work and the others find it done.
            alive.sort(Comparator.comparingInt(id -> Objects.hash(m.nodeId(), id)));
            long rank = Math.max(0, alive.indexOf(me.nodeId()));
            if (local - since < rank * config.heartbeatInterval().toNanos()) {
                continue;
            }
            List<Object> claim = reaper.await(FleetScripts.run(
                    c,
                    FleetScripts.REAP_CLAIM,
                    ScriptOutputType.MULTI,
                    new String[] {
                        FleetKeys.NODES,
                        FleetKeys.node(me.nodeId()),
                        FleetKeys.node(m.nodeId()),
                        FleetKeys.LOST,
                        FleetKeys.REAP_JOBS
                    },
                    me.nodeId(),
                    me.incarnation(),
                    m.nodeId(),
                    Long.toString(config.reapGrace().toMillis()),
                    Long.toString(config.lease().toMillis()),
                    Long.toString(FleetMembership.JOB_LEASE.toMillis())));
            String verdict = str(claim, 0);
            if (!"OK".equals(verdict)) {
                log.debug("{} not declared lost by this node: {}", m.nodeId(), verdict);
                continue;
            }
            dueSince.remove(m.nodeId());
            String incarnation = str(claim, 1);
            String lastHb = str(claim, 2);
            long claimedAt = Long.parseLong(str(claim, 3));
            log.warn(
                    "Node {} (life {}, {}) renewed nothing since {}: declared lost, marking its clients offline",
                    m.nodeId(),
                    incarnation,
                    m.address(),
                    iso(lastHb));
            metrics.nodeLost(FleetMetrics.LostReason.LEASE_EXPIRED);
            long detectedFrom = lastHb.isEmpty() ? -1 : claimedAt - num(lastHb);
            finishReap(
                    c,
                    FleetKeys.life(m.nodeId(), incarnation),
                    m.nodeId(),
                    incarnation,
                    lastHb,
                    "lease_expired",
                    detectedFrom);
        }
    }

    /** Resumes a reap job whose reaper stopped before finishing it. */
    void resumeJobs(RedisClusterAsyncCommands<String, String> c, NodeIdentity me) {
        List<Object> job = reaper.await(FleetScripts.run(
                c,
                FleetScripts.JOB_TAKE,
                ScriptOutputType.MULTI,
                new String[] {FleetKeys.REAP_JOBS, FleetKeys.NODES, FleetKeys.node(me.nodeId())},
                me.nodeId(),
                me.incarnation(),
                Long.toString(FleetMembership.JOB_LEASE.toMillis())));
        if (job.isEmpty()) {
            return;
        }
        log.info("Resuming the reap of {} (its reaper stopped)", str(job, 0));
        String lastHb = str(job, 3);
        long detectedFrom = lastHb.isEmpty() ? -1 : Long.parseLong(str(job, 5)) - num(lastHb);
        finishReap(
                c,
                str(job, 0),
                str(job, 1),
                str(job, 2),
                lastHb,
                str(job, 4),
                "lease_expired".equals(str(job, 4)) ? detectedFrom : -1);
    }

    /**
     * Marks the clients of {@code nodeId}'s life {@code incarnation} offline and finishes its job.
     *
     * @param detectedFrom ms from the life's last heartbeat to the claim of the job, or -1 when this is no
     *     detection (a restart, a leave)
     */
    void finishReap(
            RedisClusterAsyncCommands<String, String> c,
            String jobLife,
            String nodeId,
            String incarnation,
            String lastHb,
            String why,
            long detectedFrom) {
        long started = System.nanoTime();
        String detail = switch (why) {
            case "restarted" -> DisconnectReason.RESTARTED.detail();
            case "left" -> DisconnectReason.SHUTDOWN.detail();
            default -> DisconnectReason.NODE_LOST_DETAIL;
        };
        int n = reaper.reap(c, nodeId, incarnation, FleetReaper.Match.EXACTLY, iso(lastHb), detail);
        reaper.await(FleetScripts.run(
                c,
                FleetScripts.JOB_DONE,
                ScriptOutputType.INTEGER,
                new String[] {FleetKeys.REAP_JOBS, FleetKeys.LOST + ":" + jobLife},
                jobLife,
                Integer.toString(n)));
        if ("restarted".equals(why)) {
            metrics.nodeLost(FleetMetrics.LostReason.RESTARTED);
        }
        metrics.clientsReaped(
                n, detectedFrom < 0 ? -1 : detectedFrom + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        lostChanged.run(); // its count changed: read the lost nodes again
    }
}
