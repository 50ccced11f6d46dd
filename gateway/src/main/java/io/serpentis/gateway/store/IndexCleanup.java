package io.serpentis.gateway.store;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.registry.ServerFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the index entries ({@link RedisStatusStore#INDEX_KEY}) of records that expired, once per purge interval:
 * their hashes are gone already, and the index's score is the expiry.
 *
 * <p>In a fleet several nodes score one client's entry (the index is another key than the record, another slot on
 * Cluster, so no script updates both), and a late score from a node that lost the client may say a live client's
 * record expired. So there an entry is removed only once its record is gone; an entry whose record is connected is
 * scored {@code +inf} again, and one whose record still waits for its expiry gets that expiry.
 *
 * <p>Threading: the writer thread only.
 */
final class IndexCleanup {
    /** Most due entries one fleet clean-up looks at. */
    private static final int PAGE = 1000;

    private final ReplyAwaiter replies;
    private final boolean fleet;
    private final long intervalNanos;
    private long nextNanos;

    IndexCleanup(ReplyAwaiter replies, boolean fleet, Duration interval) {
        this.replies = replies;
        this.fleet = fleet;
        this.intervalNanos = interval.toNanos();
    }

    /** Cleans up if an interval passed since the last time; throws when Redis failed (tried again next interval). */
    void runIfDue(RedisClusterAsyncCommands<String, String> control) {
        long now = System.nanoTime();
        if (now < nextNanos) {
            return;
        }
        nextNanos = now + intervalNanos;
        if (fleet) {
            cleanupFleetIndex(control);
            return;
        }
        replies.await(
                control.zremrangebyscore(RedisStatusStore.INDEX_KEY, Range.create(Double.NEGATIVE_INFINITY, (double)
                        System.currentTimeMillis())));
    }

    private void cleanupFleetIndex(RedisClusterAsyncCommands<String, String> control) {
        long nowMillis = System.currentTimeMillis();
        List<String> due = replies.await(control.zrangebyscore(
                RedisStatusStore.INDEX_KEY,
                Range.create(Double.NEGATIVE_INFINITY, (double) nowMillis),
                Limit.create(0, PAGE)));
        if (due.isEmpty()) {
            return;
        }
        List<RedisFuture<String>> connected = new ArrayList<>(due.size());
        List<RedisFuture<Long>> ttls = new ArrayList<>(due.size());
        for (String id : due) {
            connected.add(control.hget(RedisStatusStore.key(id), ServerFields.CONNECTED));
            ttls.add(control.pttl(RedisStatusStore.key(id)));
        }
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < due.size(); i++) {
            String c = replies.await(connected.get(i));
            long ttl = replies.await(ttls.get(i));
            if (c == null || ttl == -2) {
                gone.add(due.get(i));
            } else if ("true".equals(c) || ttl == -1) {
                replies.await(control.zadd(RedisStatusStore.INDEX_KEY, Double.POSITIVE_INFINITY, due.get(i)));
            } else {
                replies.await(control.zadd(RedisStatusStore.INDEX_KEY, (double) (nowMillis + ttl), due.get(i)));
            }
        }
        if (!gone.isEmpty()) {
            replies.await(control.zrem(RedisStatusStore.INDEX_KEY, gone.toArray(new String[0])));
        }
    }
}
