package io.serpentis.gateway.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One pipelined burst of writes for a batch of dirty records, and the reading of its replies: {@link #add} each
 * record (its commands are queued at once), {@link #flush()}, then {@link #settle} waits for the replies, decides
 * each client's {@link Result} and gives failed writes back to the {@link WriteQueue}.
 *
 * <p>What a write sends. A live client's attribute update (the hot path) is one plain {@code HSET} (after an
 * {@code HDEL} of fields it removed). A write that replaces a record, changes its connection state (expiry, index
 * entry) or deletes it goes through a version-guarded script ({@link RedisScripts}), in calls of up to
 * {@code clientsPerCall} clients each, and updates the index ({@code ZADD}/{@code ZREM}).
 *
 * <p>Why the hot path needs no script: every write goes over the one write connection, in order; Lettuce re-sends a
 * dead connection's unanswered commands before any newer one, and the writer sends a client's next write only after
 * its previous one was answered or failed (a burst is settled before the next is built). So a replayed update
 * cannot land after a newer one, and replaying an update is harmless ({@code HSET} of the same values). Each update
 * also sets {@code gateway_version}; when {@code HSET} reports that every field it set was new, the record was
 * missing (Redis lost it) and the client is written again in full. Measured on the 1,000 x 4 load, the script costs
 * Redis about 4 us per client against about 1 us for a pipelined {@code HSET} (see BENCHMARKS.md).
 *
 * <p>The ordering argument holds because one node writes a live client's hash. When several nodes share Redis
 * (DESIGN.md), a client's previous owner could still have updates in flight after a takeover; that work must fence
 * the hot path by owner (or send it through the script again) before two nodes may write one hash. On Redis
 * Cluster a script call may name only keys of one slot: {@code clientsPerCall} 1.
 *
 * <p>Not thread-safe: one burst at a time, on the writer thread (tests and benchmarks drive it directly).
 */
final class WriteBurst {

    /** What one client's write came to. */
    enum Result {
        /** Redis holds it. */
        WRITTEN,
        /** Redis holds a newer version (or, for a partial write, this one: a replay); nothing to do. */
        STALE,
        /** A partial write found no record of ours (deleted, evicted, Redis restarted empty): write it in full. */
        MISSING,
        /** A command failed or timed out: the fields go back to the record, which is queued again. */
        FAILED;

        /** The write or delete script's answer for one key: 1 written, 0 stale, -1 missing. */
        static Result ofScript(long reply) {
            return reply == -1 ? MISSING : reply == 0 ? STALE : WRITTEN;
        }
    }

    /** How a write travels, which says how its reply reads. */
    enum Via {
        /** A plain {@code HSET}; the reply counts the fields that were new. */
        HSET,
        /** A slot of a write-script call; the reply holds one integer per client of the call. */
        WRITE_SCRIPT,
        /** The delete script; the reply is one integer. */
        DELETE_SCRIPT
    }

    /**
     * One client's write in flight.
     *
     * @param record the client's record, which gets the write back when it fails
     * @param write what was taken from the record
     * @param via how it travels
     * @param reply the reply that decides its result; {@code null} only until its script call is sent
     * @param slot its index in a write-script call's reply
     * @param companion a command that must succeed as well (the index update, or the deletion of removed fields)
     */
    record PendingWrite(
            ClientRecord record,
            StoreWrite write,
            Via via,
            @Nullable CompletableFuture<?> reply,
            int slot,
            @Nullable CompletableFuture<?> companion) {

        PendingWrite withReply(CompletableFuture<?> scriptReply) {
            return new PendingWrite(record, write, via, scriptReply, slot, companion);
        }

        /** The result, once the replies came; throws when a command failed. */
        Result read(ReplyAwaiter replies) {
            if (reply == null) {
                throw new IllegalStateException("not sent: " + write.id());
            }
            Object r = replies.await(reply);
            if (companion != null) {
                replies.await(companion);
            }
            return switch (via) {
                // Every field new, gateway_version included: the record was not there.
                case HSET -> (Long) r == write.names().length + 1 ? Result.MISSING : Result.WRITTEN;
                case WRITE_SCRIPT -> Result.ofScript((Long) ((List<?>) r).get(slot));
                case DELETE_SCRIPT -> Result.ofScript((Long) r);
            };
        }
    }

    /**
     * What a settled burst came to.
     *
     * @param clients clients whose write was sent
     * @param failed writes that failed (given back, queued again)
     * @param missing records Redis had lost (queued again, in full)
     * @param fullWrites full writes that Redis holds now (or held newer): a resync counts these down
     * @param scriptsMissing a reply said {@code NOSCRIPT}: load the scripts again
     * @param firstFailure the first failure, for the log
     */
    record Outcome(
            int clients,
            int failed,
            int missing,
            int fullWrites,
            boolean scriptsMissing,
            @Nullable RuntimeException firstFailure) {}

    private final BurstCommands commands;
    private final int clientsPerCall;
    private final long retentionMillis;
    private final long nowMillis;
    private final long startedNanos = System.nanoTime();
    private final List<PendingWrite> pending = new ArrayList<>();
    // The script call being collected: its keys, its arguments, and where its clients start in pending.
    private final List<String> keys = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private int callStart;
    private @Nullable CompletableFuture<?> last;

    /**
     * @param commands where the commands go
     * @param clientsPerCall most clients per write-script call
     * @param retentionMillis how long a disconnected client's record is kept (its expiry)
     * @param nowMillis the wall-clock time the expiries count from
     */
    WriteBurst(BurstCommands commands, int clientsPerCall, long retentionMillis, long nowMillis) {
        this.commands = commands;
        this.clientsPerCall = clientsPerCall;
        this.retentionMillis = retentionMillis;
        this.nowMillis = nowMillis;
    }

    /** Takes what {@code record} must write, if anything, and queues its commands. */
    void add(ClientRecord record) {
        StoreWrite w = record.takeStoreWrite();
        if (w == null) {
            return;
        }
        String key = RedisStatusStore.key(w.id());
        if (w.delete()) {
            CompletableFuture<Long> deleted = commands.evalsha(
                    RedisScripts.DELETE_SHA, ScriptOutputType.INTEGER, new String[] {key}, RedisScripts.deleteArg(w));
            last = commands.zrem(RedisStatusStore.INDEX_KEY, w.id());
            pending.add(new PendingWrite(record, w, Via.DELETE_SCRIPT, deleted, 0, last));
            return;
        }
        if (!changesConnectionState(w)) {
            CompletableFuture<Long> hdel = w.deleted().length > 0 ? commands.hdel(key, w.deleted()) : null;
            last = commands.hset(RedisScripts.hsetArgs(w));
            pending.add(new PendingWrite(record, w, Via.HSET, last, 0, hdel));
            return;
        }
        long ttl = 0;
        double score = Double.POSITIVE_INFINITY;
        if (w.disconnected()) {
            long expiresAt = w.disconnectedAtMicros() / 1000 + retentionMillis;
            ttl = Math.max(1, expiresAt - nowMillis);
            score = expiresAt;
        }
        int slot = keys.size();
        keys.add(key);
        RedisScripts.appendWriteArgs(args, w, ttl);
        last = commands.zadd(RedisStatusStore.INDEX_KEY, score, w.id());
        pending.add(new PendingWrite(record, w, Via.WRITE_SCRIPT, null, slot, last));
        if (keys.size() == clientsPerCall) {
            sendScriptCall();
        }
    }

    /** The expiry and the index entry change only with the connection state (or on a full write). */
    private static boolean changesConnectionState(StoreWrite w) {
        if (w.full()) {
            return true;
        }
        for (String n : w.names()) {
            if (n.equals(ServerFields.CONNECTED)) {
                return true;
            }
        }
        return false;
    }

    private void sendScriptCall() {
        CompletableFuture<List<Long>> reply = commands.evalsha(
                RedisScripts.WRITE_SHA,
                ScriptOutputType.MULTI,
                keys.toArray(new String[0]),
                args.toArray(new String[0]));
        for (int i = callStart; i < pending.size(); i++) {
            PendingWrite p = pending.get(i);
            if (p.reply() == null) {
                pending.set(i, p.withReply(reply));
            }
        }
        callStart = pending.size();
        keys.clear();
        args.clear();
        last = reply;
    }

    /** Sends the last script call and flushes the burst; {@code false} when there was nothing to write. */
    boolean flush() {
        if (!keys.isEmpty()) {
            sendScriptCall();
        }
        if (last == null) {
            return false;
        }
        commands.flush();
        return true;
    }

    /** The writes in this burst, in the order they were added. */
    List<PendingWrite> pending() {
        return pending;
    }

    /**
     * Waits for the replies and acts on each client's result: a failed write gives its fields back and is queued
     * again; a missing record is queued again for a full write; a written (or stale) one records its write lag.
     */
    Outcome settle(ReplyAwaiter replies, WriteQueue queue, RedisMetrics metrics) {
        if (last != null) {
            // Replies come back in order on the one connection: once the burst's last command is answered, so are
            // the others, and reading them below does not park the writer (and wake it from Lettuce's event loop)
            // once per command. Measured at 1,000 x 4: about 40 parks per burst, 6,400 a second, before this wait.
            replies.awaitQuietly(last);
        }
        int failed = 0;
        int missing = 0;
        int fullWrites = 0;
        boolean scriptsMissing = false;
        RuntimeException firstFailure = null;
        for (PendingWrite p : pending) {
            Result result;
            try {
                result = p.read(replies);
            } catch (RuntimeException e) {
                result = Result.FAILED;
                scriptsMissing |= e.getCause() instanceof RedisNoScriptException;
                if (firstFailure == null) {
                    firstFailure = e;
                }
            }
            StoreWrite w = p.write();
            switch (result) {
                case FAILED -> {
                    failed++;
                    queue.requeue(p.record(), w);
                }
                case MISSING -> {
                    missing++;
                    p.record().markFullWrite();
                    queue.requeue(p.record(), w);
                }
                case WRITTEN, STALE -> {
                    if (w.dirtySinceNanos() != Long.MIN_VALUE) {
                        metrics.written(System.nanoTime() - w.dirtySinceNanos());
                    }
                    if (w.full()) {
                        fullWrites++;
                    }
                }
            }
        }
        metrics.burst(pending.size(), System.nanoTime() - startedNanos, failed > 0);
        return new Outcome(pending.size(), failed, missing, fullWrites, scriptsMissing, firstFailure);
    }
}
