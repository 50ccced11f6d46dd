package io.serpentis.gateway.command;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where audit entries are kept: {@link EmbeddedAuditLog} (a bounded ring, this node only) or {@link RedisAuditLog}
 * (a Redis Stream of bounded length, shared by the fleet). Thread-safe; never blocks.
 */
public interface AuditLog extends AutoCloseable {

    /** Appends {@code entry} (its id is assigned here); the stage completes once it is kept. */
    CompletionStage<Void> append(AuditEntry entry);

    /**
     * Entries newest first, older than {@code cursor} when given, of {@code clientId} (their target) when given.
     *
     * @param limit most entries on the page
     */
    CompletionStage<Page> page(int limit, @Nullable String cursor, @Nullable String clientId);

    @Override
    default void close() {}

    /**
     * One page of the trail.
     *
     * @param entries newest first
     * @param nextCursor the cursor of the next (older) page, or {@code null} when no older entry remains; a page may
     *     hold fewer than {@code limit} entries and still have a next one, when a filter skipped many
     */
    record Page(List<AuditEntry> entries, @Nullable String nextCursor) {}
}
