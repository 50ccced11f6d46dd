package io.serpentis.gateway.command;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The audit trail in a Redis Stream, {@code serpentis:audit}, trimmed to about {@code maxEntries}
 * ({@code XADD MAXLEN ~}): every node of the fleet appends to it and reads it. A page is read newest first with
 * {@code XREVRANGE}, in batches, skipping entries of other clients when asked for one; at most
 * {@value #MAX_SCANNED} entries are read for one page, so a rare client's page may come back short, with a cursor
 * to go on from. One key, so it works on Redis Cluster.
 */
final class RedisAuditLog implements AuditLog {
    /** The stream's key. */
    static final String KEY = "serpentis:audit";
    /** The most entries read for one page. */
    static final int MAX_SCANNED = 5_000;

    private final RedisLink link;
    private final long maxEntries;

    RedisAuditLog(RedisLink link, long maxEntries) {
        this.link = link;
        this.maxEntries = maxEntries;
    }

    @Override
    public CompletionStage<Void> append(AuditEntry entry) {
        XAddArgs args = XAddArgs.Builder.maxlen(maxEntries).approximateTrimming();
        return link.call(c -> c.xadd(KEY, args, entry.toFields())).thenApply(id -> null);
    }

    @Override
    public CompletionStage<Page> page(int limit, @Nullable String cursor, @Nullable String clientId) {
        return link.call(c -> {
            CompletableFuture<Page> done = new CompletableFuture<>();
            scan(c, limit, cursor, clientId, new ArrayList<>(), 0, done);
            return done;
        });
    }

    /** Reads one batch older than {@code before}, then the next, until the page is full or the scan ends. */
    private void scan(
            RedisClusterAsyncCommands<String, String> c,
            int limit,
            @Nullable String before,
            @Nullable String clientId,
            List<AuditEntry> entries,
            int scanned,
            CompletableFuture<Page> done) {
        int batch = Math.min(limit - entries.size() + 1, 500);
        Range<String> range = Range.from(
                Range.Boundary.unbounded(),
                before == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(before));
        c.xrevrange(KEY, range, Limit.from(batch)).whenComplete((messages, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
                return;
            }
            String last = before;
            int read = scanned;
            for (StreamMessage<String, String> m : messages) {
                AuditEntry entry = AuditEntry.fromFields(m.getId(), m.getBody());
                if (clientId == null || clientId.equals(entry.target())) {
                    if (entries.size() == limit) {
                        done.complete(new Page(entries, last)); // one more exists: the page ends before it
                        return;
                    }
                    entries.add(entry);
                }
                last = m.getId();
                read++;
            }
            if (messages.size() < batch) {
                done.complete(new Page(entries, null)); // the start of the stream
            } else if (read >= MAX_SCANNED) {
                done.complete(new Page(entries, last));
            } else {
                scan(c, limit, last, clientId, entries, read, done);
            }
        });
    }
}
