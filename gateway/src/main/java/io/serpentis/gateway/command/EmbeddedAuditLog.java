package io.serpentis.gateway.command;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The audit trail in this node's memory: a ring of at most {@code capacity} entries, the oldest dropped first, ids
 * numbered as a Redis Stream numbers them ({@code <ms>-<seq>}, increasing even if the clock steps back).
 * Thread-safe (one short lock); stages complete at once.
 */
public final class EmbeddedAuditLog implements AuditLog {
    private final int capacity;
    private final ArrayDeque<AuditEntry> ring;
    private long lastMillis;
    private long seq;

    /** A ring of at most {@code capacity} entries. */
    public EmbeddedAuditLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    @Override
    public CompletionStage<Void> append(AuditEntry entry) {
        synchronized (ring) {
            long ms = entry.timeMillis();
            if (ms > lastMillis) {
                lastMillis = ms;
                seq = 0;
            } else {
                seq++;
            }
            if (ring.size() == capacity) {
                ring.pollFirst();
            }
            ring.addLast(entry.withId(lastMillis + "-" + seq));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Page> page(int limit, @Nullable String cursor, @Nullable String clientId) {
        List<AuditEntry> entries = new ArrayList<>(Math.min(limit, 64));
        boolean more = false;
        synchronized (ring) {
            for (Iterator<AuditEntry> it = ring.descendingIterator(); it.hasNext(); ) {
                AuditEntry e = it.next();
                if (cursor != null && AuditEntry.compareIds(e.id(), cursor) >= 0) {
                    continue;
                }
                if (clientId != null && !clientId.equals(e.target())) {
                    continue;
                }
                if (entries.size() == limit) {
                    more = true;
                    break;
                }
                entries.add(e);
            }
        }
        String next = more ? entries.get(entries.size() - 1).id() : null;
        return CompletableFuture.completedFuture(new Page(entries, next));
    }

    /** How many entries are kept now. */
    public int size() {
        synchronized (ring) {
            return ring.size();
        }
    }
}
