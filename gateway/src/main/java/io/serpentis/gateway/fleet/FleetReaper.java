package io.serpentis.gateway.fleet;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.internal.RedisReplies;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.store.FleetKeys;
import io.serpentis.gateway.store.RedisStatusStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks the clients of a lost life of a node offline, exactly once each: it reads the node's client set a page at a
 * time ({@code SSCAN}) and runs {@link FleetScripts#REAP_CLIENT} on each record (pipelined, one key per call), which
 * acts only while the record still names that life and says connected. A re-run is therefore a no-op, and a reap
 * that stopped half way is finished by whoever runs it again. Each reaped record is applied to this node's registry
 * (its dashboards show the client offline), its index entry scored by its expiry, and its id removed from the set;
 * ids of records another live life of the node holds stay.
 *
 * <p>Blocks: runs on the thread that owns its connection (start-up, then the membership thread).
 */
final class FleetReaper {
    private static final Logger log = LoggerFactory.getLogger(FleetReaper.class);

    /** Client ids per {@code SSCAN} page, and so records per pipelined round trip. */
    static final int PAGE = 500;

    /** Which records of the node count as the lost life's. */
    enum Match {
        /** Those claimed by exactly this incarnation (a lost life). */
        EXACTLY("="),
        /** Those claimed by any incarnation but this one (every life before the caller's, at its start). */
        ALL_BUT("!");

        private final String arg;

        Match(String arg) {
            this.arg = arg;
        }
    }

    private final LocalClientRegistry registry;
    private final Duration retention;
    private final Duration timeout;
    private volatile Consumer<String> onReaped = id -> {};

    /**
     * @param registry where reaped records are applied
     * @param retention how long a reaped record is kept (its expiry)
     * @param timeout how long one round trip may take
     */
    FleetReaper(LocalClientRegistry registry, Duration retention, Duration timeout) {
        this.registry = registry;
        this.retention = retention;
        this.timeout = timeout;
    }

    /** Tells {@code listener} the id of every record this reaper marks offline, once it is applied here. */
    void onReaped(Consumer<String> listener) {
        onReaped = listener;
    }

    /**
     * Reaps the clients of {@code nodeId}'s life {@code incarnation} ({@link Match#EXACTLY}), or of every life but
     * that one ({@link Match#ALL_BUT}). Throws when Redis fails; a re-run picks up where it stopped.
     *
     * @param lastHeartbeat the life's last heartbeat ({@code Timestamps.format}), or {@code ""} when unknown
     * @param detail the {@code status_detail} the records get
     * @return how many clients were marked offline
     */
    int reap(
            RedisClusterAsyncCommands<String, String> c,
            String nodeId,
            String incarnation,
            Match match,
            String lastHeartbeat,
            String detail) {
        String set = FleetKeys.clients(nodeId);
        String retentionMillis = Long.toString(retention.toMillis());
        ValueScanCursor<String> page = null;
        int reaped = 0;
        do {
            page = await(
                    page == null
                            ? c.sscan(set, ScanArgs.Builder.limit(PAGE))
                            : c.sscan(set, page, ScanArgs.Builder.limit(PAGE)));
            List<String> ids = page.getValues();
            List<CompletableFuture<List<Object>>> replies = new ArrayList<>(ids.size());
            for (String id : ids) {
                replies.add(FleetScripts.run(
                        c,
                        FleetScripts.REAP_CLIENT,
                        ScriptOutputType.MULTI,
                        new String[] {RedisStatusStore.key(id)},
                        nodeId,
                        incarnation,
                        match.arg,
                        lastHeartbeat,
                        detail,
                        retentionMillis));
            }
            List<Future<?>> upkeep = new ArrayList<>();
            List<String> done = new ArrayList<>();
            double expiresAt = System.currentTimeMillis() + retention.toMillis();
            for (int i = 0; i < ids.size(); i++) {
                List<Object> r = await(replies.get(i));
                String verdict = String.valueOf(r.get(0));
                if (verdict.equals("keep")) {
                    continue;
                }
                done.add(ids.get(i));
                if (verdict.equals("reaped")) {
                    reaped++;
                    registry.applyRemote(ids.get(i), hash(r));
                    onReaped.accept(ids.get(i));
                    upkeep.add(c.zadd(RedisStatusStore.INDEX_KEY, expiresAt, ids.get(i)));
                }
            }
            if (!done.isEmpty()) {
                upkeep.add(c.srem(set, done.toArray(new String[0])));
            }
            for (Future<?> f : upkeep) {
                await(f);
            }
        } while (!page.isFinished());
        if (reaped > 0) {
            log.info(
                    "Marked {} clients of {} ({} {}) offline: {}",
                    reaped,
                    nodeId,
                    match == Match.EXACTLY ? "life" : "lives before",
                    incarnation,
                    detail);
        }
        return reaped;
    }

    /** The hash after {@code "reaped"}: field, value, ... */
    private static Map<String, String> hash(List<Object> reply) {
        Map<String, String> hash = new LinkedHashMap<>();
        for (int i = 1; i + 1 < reply.size(); i += 2) {
            hash.put(String.valueOf(reply.get(i)), String.valueOf(reply.get(i + 1)));
        }
        return hash;
    }

    /** {@code f}'s reply, waited for as long as one round trip may take; the reaping's calls wait so too. */
    <T> T await(Future<T> f) {
        return RedisReplies.await(f, timeout.toMillis(), timeout);
    }
}
