package io.serpentis.gateway.store;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScoredValueScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.ServerFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every record the index lists into the registry, at start-up or when Redis comes later: a page of the index
 * at a time ({@code ZSCAN}), each page's hashes in one pipelined round trip ({@code HGETALL} each). Index entries
 * whose hash has expired are removed. Records this node had left connected are marked disconnected
 * ({@code "Gateway restarted"}, see {@link LocalClientRegistry#restore}); a client that registered meanwhile keeps
 * its live record. On Redis Cluster the index is one key, scanned on its master, and each {@code HGETALL} goes to
 * its own key's master: a page spans slots, and its round trip reaches every master.
 *
 * <p>Runs on the thread that owns the control connection (the caller of {@link RedisStatusStore#start}, then the
 * writer); it blocks.
 */
final class RedisIndexLoader {
    private static final Logger log = LoggerFactory.getLogger(RedisIndexLoader.class);

    /** Index entries per {@code ZSCAN} page, and so hashes per pipelined round trip. */
    static final int PAGE = 500;

    private final LocalClientRegistry registry;
    private final ReplyAwaiter replies;

    RedisIndexLoader(LocalClientRegistry registry, ReplyAwaiter replies) {
        this.registry = registry;
        this.replies = replies;
    }

    /**
     * Loads every page, or throws when a command fails or {@code deadlineNanos} ({@link System#nanoTime()}) passes
     * first.
     */
    void load(RedisClusterAsyncCommands<String, String> c, long deadlineNanos) {
        ScanCursor cursor = ScanCursor.INITIAL;
        int restored = 0;
        int stale = 0;
        long started = System.nanoTime();
        do {
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("loading from Redis took too long");
            }
            ScoredValueScanCursor<String> page =
                    replies.await(c.zscan(RedisStatusStore.INDEX_KEY, cursor, ScanArgs.Builder.limit(PAGE)));
            List<String> ids = new ArrayList<>(page.getValues().size());
            List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(ids.size());
            for (ScoredValue<String> v : page.getValues()) {
                ids.add(v.getValue());
                hashes.add(c.hgetall(RedisStatusStore.key(v.getValue())));
            }
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Map<String, String> hash = replies.await(hashes.get(i));
                if (hash == null || hash.isEmpty()) {
                    gone.add(ids.get(i));
                    continue;
                }
                long version = ServerFields.longValue(hash.get(ServerFields.GATEWAY_VERSION));
                if (registry.restore(ids.get(i), hash, version, DisconnectReason.RESTARTED)) {
                    restored++;
                }
            }
            if (!gone.isEmpty()) {
                stale += gone.size();
                replies.await(c.zrem(RedisStatusStore.INDEX_KEY, gone.toArray(new String[0])));
            }
            cursor = page;
        } while (!cursor.isFinished());
        log.info(
                "Loaded {} client records from Redis in {} ms ({} expired index entries removed)",
                restored,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                stale);
    }
}
