package io.serpentis.gateway.command;

import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientFilter;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.registry.CommandResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bulk commands (issue 15 point 4): one command to every connected client of the fleet that a {@link ClientFilter}
 * selects (the same expressions as {@code GET /api/v1/clients?where=}), at most {@code limit} of them, the first by
 * id. Each goes through {@link CommandReceipts#send}, so through {@link ClientRegistry#command} to whichever node
 * holds its client, with its own receipt and audit entry; the bulk action gets one audit entry of its own. At most
 * {@value #CONCURRENCY} commands are in flight at once; a dry run sends nothing and tells what would be targeted.
 *
 * <p>Thread-safe. {@link #run} scans the registry (CPU work: call it off the event loops) and never blocks.
 */
public final class BulkCommands {
    /** The largest {@code limit}. */
    public static final int MAX_LIMIT = 10_000;
    /** The most commands of one bulk command in flight at once. */
    static final int CONCURRENCY = 64;
    /** How many targeted client ids a dry run shows. */
    public static final int PREVIEW = 20;

    private final ClientRegistry registry;
    private final CommandReceipts receipts;
    private final AuditTrail audit;

    /**
     * What a bulk command did.
     *
     * @param matched connected clients the filter selects
     * @param sent commands sent (at most the limit; none in a dry run)
     * @param delivered of those, how many were written to their client's connection
     * @param dryRun whether it was a dry run
     * @param commandIds the commands' ids, by client id
     * @param preview a dry run: the first targeted client ids (at most {@value #PREVIEW})
     */
    public record Result(
            int matched, int sent, int delivered, boolean dryRun, List<String> commandIds, List<String> preview) {}

    public BulkCommands(ClientRegistry registry, CommandReceipts receipts, AuditTrail audit) {
        this.registry = registry;
        this.receipts = receipts;
        this.audit = audit;
    }

    /**
     * Sends {@code command} to the first {@code limit} (by id) connected clients that {@code where} selects.
     *
     * @param description the filter as the operator wrote it, for the audit trail
     */
    public CompletionStage<Result> run(
            ClientCommand command, ClientFilter where, String description, int limit, boolean dryRun, String actor) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", was " + limit);
        }
        List<String> matched = match(where);
        List<String> targets = matched.subList(0, Math.min(limit, matched.size()));
        if (dryRun) {
            List<String> preview = List.copyOf(targets.subList(0, Math.min(PREVIEW, targets.size())));
            return CompletableFuture.completedFuture(new Result(matched.size(), 0, 0, true, List.of(), preview));
        }
        return new FanOut(command, targets, actor).start().thenApply(f -> {
            Result r = new Result(
                    matched.size(), targets.size(), f.delivered.get(), false, Arrays.asList(f.ids), List.of());
            audit.record(
                    actor,
                    "bulk_" + command.wireName(),
                    description + "; limit " + limit,
                    null,
                    "sent " + r.sent() + " of " + r.matched() + " matched, " + r.delivered() + " delivered");
            return r;
        });
    }

    /** The connected clients {@code where} selects, by id. */
    List<String> match(ClientFilter where) {
        List<String> ids = new ArrayList<>();
        registry.forEach(record -> {
            if (matches(record, where)) {
                ids.add(record.id());
            }
        });
        Collections.sort(ids);
        return ids;
    }

    private static boolean matches(ClientRecord record, ClientFilter where) {
        return record.connected() && (where.matchesAll() || where.test(record.snapshot()));
    }

    /**
     * Sends to every target, {@value #CONCURRENCY} at most in flight: each completion lets the next one start, in a
     * drain loop (whoever finds it idle runs it), so that completions on the caller's thread never nest.
     */
    private final class FanOut {
        private final ClientCommand command;
        private final List<String> targets;
        private final String actor;
        final String[] ids;
        final AtomicInteger delivered = new AtomicInteger();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger remaining;
        private final AtomicInteger wip = new AtomicInteger();
        private final CompletableFuture<FanOut> done = new CompletableFuture<>();
        /** The next target to start; read and written by the drain loop only. */
        private int next;

        FanOut(ClientCommand command, List<String> targets, String actor) {
            this.command = command;
            this.targets = targets;
            this.actor = actor;
            this.ids = new String[targets.size()];
            this.remaining = new AtomicInteger(targets.size());
        }

        CompletableFuture<FanOut> start() {
            if (targets.isEmpty()) {
                done.complete(this);
            } else {
                drain();
            }
            return done;
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                while (next < targets.size() && inFlight.get() < CONCURRENCY) {
                    inFlight.incrementAndGet();
                    send(next++);
                }
            } while (wip.decrementAndGet() != 0);
        }

        private void send(int i) {
            receipts.send(targets.get(i), command, actor).whenComplete((sent, e) -> {
                if (sent != null) {
                    ids[i] = sent.receipt().commandId();
                    if (sent.result() == CommandResult.SENT) {
                        delivered.incrementAndGet();
                    }
                } else {
                    ids[i] = "";
                }
                inFlight.decrementAndGet();
                if (remaining.decrementAndGet() == 0) {
                    done.complete(this);
                } else {
                    drain();
                }
            });
        }
    }
}
