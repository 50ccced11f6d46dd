package io.serpentis.gateway.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.NodeIdentity;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * <p>The ordering argument holds because one node writes a live client's hash. In a fleet ({@link FleetFencing}),
 * where a client's previous owner could still have updates in flight after a takeover, every write is fenced
 * instead: a registration's first write claims the client ({@link RedisScripts#CLAIM_SCRIPT}, after the id is added
 * to the node's client set), and every later write, the hot path included, goes through
 * {@link RedisScripts#FENCED_WRITE_SCRIPT}, which Redis runs only while the record carries the epoch the writer
 * holds. The claim's answer sets that epoch before the record's next write is built (a burst is settled before the
 * next one is built). The index and the client set are other keys (other slots on Cluster): they are updated after
 * the write succeeded, never before, so that a write Redis refused cannot touch another owner's index entry. On
 * Redis Cluster a script call may name only keys of one slot: {@code clientsPerCall} 1.
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
        FAILED,
        /** Fleet: another node owns the client now; the record is fenced (its local connection superseded). */
        FENCED,
        /** Fleet: the fleet declared this node's life lost and reaped the client; it is taken back in the next. */
        LIFE_LOST;

        /** The write or delete script's answer for one key: 1 written, 0 stale, -1 missing. */
        static Result ofScript(long reply) {
            return reply == -1 ? MISSING : reply == 0 ? STALE : WRITTEN;
        }

        /** The fenced scripts' answer: 1 written, 0 stale, -1 missing, -2 fenced, -3 life lost. */
        static Result ofFenced(long reply) {
            return reply == -3 ? LIFE_LOST : reply == -2 ? FENCED : ofScript(reply);
        }
    }

    /** How a write travels, which says how its reply reads. */
    enum Via {
        /** A plain {@code HSET}; the reply counts the fields that were new. */
        HSET,
        /** A slot of a write-script call; the reply holds one integer per client of the call. */
        WRITE_SCRIPT,
        /** The delete script; the reply is one integer. */
        DELETE_SCRIPT,
        /** Fleet: the claim script; the reply is a list whose first element says how it went. */
        CLAIM_SCRIPT,
        /** Fleet: a slot of a fenced-write call; the reply holds one integer per client of the call. */
        FENCED_WRITE_SCRIPT,
        /** Fleet: the fenced delete script; the reply is one integer. */
        FENCED_DELETE_SCRIPT
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
                case CLAIM_SCRIPT -> Result.ofFenced((Long) ((List<?>) r).get(0));
                case FENCED_WRITE_SCRIPT -> Result.ofFenced((Long) ((List<?>) r).get(slot));
                // A purge that found someone else's record there has nothing to do either.
                case FENCED_DELETE_SCRIPT -> (Long) r == 1 ? Result.WRITTEN : Result.STALE;
            };
        }

        /** A claim's answer: {@code {1, previous node, previous incarnation, previous epoch, connected, epoch}}. */
        List<?> claimReply(ReplyAwaiter replies) {
            return (List<?>) replies.await(Objects.requireNonNull(reply, "not sent"));
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
     * @param fenced fleet: records whose client another node owns now (the caller fences them)
     * @param lifeLost fleet: a write found this node's life declared lost
     */
    record Outcome(
            int clients,
            int failed,
            int missing,
            int fullWrites,
            boolean scriptsMissing,
            @Nullable RuntimeException firstFailure,
            List<ClientRecord> fenced,
            boolean lifeLost) {}

    /** A script call's first room for keys and arguments: about what 128 live clients' updates take. */
    private static final int CALL_KEYS_BYTES = 4096;

    private static final int CALL_ARGS_BYTES = 16384;

    private final BurstCommands commands;
    private final @Nullable FleetFencing fleet;
    /** The life of this node the fleet's writes carry; {@code null} outside a fleet. */
    private final @Nullable NodeIdentity life;

    private final int clientsPerCall;
    private final long retentionMillis;
    private final long nowMillis;
    private final long startedNanos = System.nanoTime();
    private final List<PendingWrite> pending = new ArrayList<>();
    // The script call being collected: its keys, its arguments, and where its clients start in pending.
    private final RespArgs keys = new RespArgs(CALL_KEYS_BYTES);
    private final RespArgs args = new RespArgs(CALL_ARGS_BYTES);
    private int callStart;
    private @Nullable CompletableFuture<?> last;
    /** After {@link #settle}: the writes Redis holds (written, or held newer), for durable acks. */
    private final List<PendingWrite> stored = new ArrayList<>();

    /**
     * @param commands where the commands go
     * @param clientsPerCall most clients per write-script call
     * @param retentionMillis how long a disconnected client's record is kept (its expiry)
     * @param nowMillis the wall-clock time the expiries count from
     */
    WriteBurst(BurstCommands commands, int clientsPerCall, long retentionMillis, long nowMillis) {
        this(commands, clientsPerCall, retentionMillis, nowMillis, null);
    }

    /**
     * @param fleet the fleet this node is a member of (joined: its life is known), or {@code null} outside one
     */
    WriteBurst(
            BurstCommands commands,
            int clientsPerCall,
            long retentionMillis,
            long nowMillis,
            @Nullable FleetFencing fleet) {
        this.commands = commands;
        this.clientsPerCall = clientsPerCall;
        this.retentionMillis = retentionMillis;
        this.nowMillis = nowMillis;
        this.fleet = fleet;
        this.life = fleet == null ? null : Objects.requireNonNull(fleet.identity(), "not joined");
    }

    /** Takes what {@code record} must write, if anything, and queues its commands. */
    void add(ClientRecord record) {
        StoreWrite w = record.takeStoreWrite();
        if (w == null) {
            return;
        }
        if (life != null) {
            addFenced(record, w, life);
            return;
        }
        String key = RedisStatusStore.key(w.id());
        if (w.delete()) {
            CompletableFuture<Long> deleted = commands.evalsha(
                    ScriptOutputType.INTEGER,
                    RespArgs.script(RedisScripts.DELETE_SHA, new RespArgs().key(key), RedisScripts.deleteArgs(w)));
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
        int slot = keys.count();
        keys.key(key);
        RedisScripts.appendWriteArgs(args, w, ttl);
        last = commands.zadd(RedisStatusStore.INDEX_KEY, score, w.id());
        pending.add(new PendingWrite(record, w, Via.WRITE_SCRIPT, null, slot, last));
        if (keys.count() == clientsPerCall) {
            sendScriptCall();
        }
    }

    /** Fleet: queues {@code w} as a fenced delete, a claim, or a fenced write. */
    private void addFenced(ClientRecord record, StoreWrite w, NodeIdentity life) {
        String key = RedisStatusStore.key(w.id());
        if (w.delete()) {
            CompletableFuture<Long> deleted = commands.evalsha(
                    ScriptOutputType.INTEGER,
                    RespArgs.script(
                            RedisScripts.FENCED_DELETE_SHA, new RespArgs().key(key), RedisScripts.fencedDeleteArgs(w)));
            last = deleted;
            pending.add(new PendingWrite(record, w, Via.FENCED_DELETE_SCRIPT, deleted, 0, null));
            return;
        }
        long ttl = w.disconnected() ? ttlMillis(w) : 0;
        if (w.claims()) {
            // The id joins the node's client set before the claim, so that whoever reaps this node finds it.
            CompletableFuture<Long> added = commands.sadd(FleetKeys.clients(life.nodeId()), w.id());
            CompletableFuture<List<Object>> claimed = commands.evalsha(
                    ScriptOutputType.MULTI,
                    RespArgs.script(
                            RedisScripts.CLAIM_SHA,
                            new RespArgs().key(key),
                            RedisScripts.claimArgs(w, ttl, life.nodeId(), life.incarnation())));
            last = claimed;
            pending.add(new PendingWrite(record, w, Via.CLAIM_SCRIPT, claimed, 0, added));
            return;
        }
        int slot = keys.count();
        if (slot == 0) {
            RedisScripts.startFencedWriteCall(args, life.nodeId(), life.incarnation());
        }
        keys.key(key);
        RedisScripts.appendFencedWriteArgs(args, w, changesConnectionState(w) ? ttl : -1);
        pending.add(new PendingWrite(record, w, Via.FENCED_WRITE_SCRIPT, null, slot, null));
        if (keys.count() == clientsPerCall) {
            sendScriptCall();
        }
    }

    /** How long a disconnected client's record is kept from now (at least 1 ms). */
    private long ttlMillis(StoreWrite w) {
        return Math.max(1, expiresAtMillis(w) - nowMillis);
    }

    /** When a disconnected client's record expires (epoch ms). */
    private long expiresAtMillis(StoreWrite w) {
        return w.disconnectedAtMicros() / 1000 + retentionMillis;
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
                ScriptOutputType.MULTI,
                RespArgs.script(life != null ? RedisScripts.FENCED_WRITE_SHA : RedisScripts.WRITE_SHA, keys, args));
        for (int i = callStart; i < pending.size(); i++) {
            PendingWrite p = pending.get(i);
            if (p.reply() == null) {
                pending.set(i, p.withReply(reply));
            }
        }
        callStart = pending.size();
        keys.clear(); // the call holds a copy
        args.clear();
        last = reply;
    }

    /** Sends the last script call and flushes the burst; {@code false} when there was nothing to write. */
    boolean flush() {
        if (keys.count() > 0) {
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
        boolean lifeLost = false;
        RuntimeException firstFailure = null;
        List<ClientRecord> fenced = new ArrayList<>(0);
        List<PendingWrite> written = new ArrayList<>(life != null ? pending.size() : 0);
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
                    if (life != null) {
                        p.record().claimAgain(w); // lost, expired or never claimed by a fleet node: claim it
                    } else {
                        p.record().markFullWrite();
                    }
                    queue.requeue(p.record(), w);
                }
                case FENCED -> {
                    fenced.add(p.record());
                    Objects.requireNonNull(fleet).fenced(w.claims());
                }
                case LIFE_LOST -> {
                    // Stays dirty, unsent, until the node lives again and takes the client back.
                    lifeLost = true;
                    queue.requeue(p.record(), w);
                }
                case WRITTEN, STALE -> {
                    stored.add(p);
                    if (w.dirtySinceNanos() != Long.MIN_VALUE) {
                        metrics.written(System.nanoTime() - w.dirtySinceNanos());
                    }
                    if (w.full()) {
                        fullWrites++;
                    }
                    if (life != null) {
                        if (w.claims()) {
                            claimed(p, replies);
                        }
                        if (result == Result.WRITTEN) {
                            written.add(p);
                        }
                    }
                }
            }
        }
        if (life != null) {
            updateIndexAndClientSet(written, fenced, replies, queue, life);
        }
        metrics.burst(pending.size(), System.nanoTime() - startedNanos, failed > 0);
        return new Outcome(pending.size(), failed, missing, fullWrites, scriptsMissing, firstFailure, fenced, lifeLost);
    }

    /** After {@link #settle}: the writes Redis holds now (written, or it held a newer version). */
    List<PendingWrite> stored() {
        return stored;
    }

    /**
     * A claim succeeded: the record holds the new epoch before its next write is built, and a node whose connection
     * held the client is told to let it go.
     */
    private void claimed(PendingWrite p, ReplyAwaiter replies) {
        List<?> r = p.claimReply(replies);
        long epoch = Long.parseLong(String.valueOf(r.get(5)));
        p.record().claimed(epoch);
        String previousNode = String.valueOf(r.get(1));
        NodeIdentity me = Objects.requireNonNull(life);
        if ("true".equals(String.valueOf(r.get(4))) && !previousNode.isEmpty() && !previousNode.equals(me.nodeId())) {
            Objects.requireNonNull(fleet).claimedFrom(p.write().id(), previousNode, epoch);
        }
    }

    /**
     * Fleet: the index entries and this node's client set follow the writes Redis took (never the ones it refused,
     * which belong to another owner now), in a second round trip. A command that fails leaves the record to be
     * written in full again, which repeats them.
     */
    private void updateIndexAndClientSet(
            List<PendingWrite> written,
            List<ClientRecord> fenced,
            ReplyAwaiter replies,
            WriteQueue queue,
            NodeIdentity me) {
        String set = FleetKeys.clients(me.nodeId());
        List<ClientRecord> records = new ArrayList<>();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (PendingWrite p : written) {
            StoreWrite w = p.write();
            CompletableFuture<?> f = null;
            if (w.delete()) {
                f = commands.zrem(RedisStatusStore.INDEX_KEY, w.id());
            } else if (w.claims() || changesConnectionState(w)) {
                f = commands.zadd(
                        RedisStatusStore.INDEX_KEY,
                        w.disconnected() ? expiresAtMillis(w) : Double.POSITIVE_INFINITY,
                        w.id());
                if (w.disconnected()) {
                    records.add(p.record());
                    sent.add(commands.srem(set, w.id())); // the reaper has nothing to do for it any more
                }
            }
            if (f != null) {
                records.add(p.record());
                sent.add(f);
            }
        }
        for (ClientRecord r : fenced) {
            records.add(r);
            sent.add(commands.srem(set, r.id()));
        }
        if (sent.isEmpty()) {
            return;
        }
        commands.flush();
        replies.awaitQuietly(sent.get(sent.size() - 1));
        for (int i = 0; i < sent.size(); i++) {
            try {
                replies.await(sent.get(i));
            } catch (RuntimeException e) {
                ClientRecord r = records.get(i);
                r.markFullWrite();
                queue.offer(r);
            }
        }
    }
}
