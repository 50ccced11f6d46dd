package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.metrics.GatewayMeters;
import io.serpentis.gateway.metrics.RedisMetrics;
import io.serpentis.gateway.registry.ClientRecord;
import io.serpentis.gateway.registry.DisconnectReason;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.StatusUpdate;
import io.serpentis.gateway.registry.StoreWrite;
import io.serpentis.gateway.store.WriteBurst.Outcome;
import io.serpentis.gateway.store.WriteBurst.Result;
import io.serpentis.gateway.testing.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The write burst without Redis: what each kind of write sends, byte for byte in Lettuce's argument form, and how
 * each reply (completed here by hand, as Redis would answer) decides the client's result: written, stale, missing
 * (written again in full) or failed (given back and queued again).
 */
class WriteBurstTest {
    private static final long RETENTION_MILLIS = 60_000;

    private final AtomicLong clock = new AtomicLong(1_780_000_000_000_000L);
    private final LocalClientRegistry registry = new LocalClientRegistry(
            LimitsConfig.defaults(),
            new RegistryConfig(Duration.ofMillis(RETENTION_MILLIS), Duration.ofSeconds(5)),
            "node-t",
            true,
            clock::get);
    private final RecordingConnection conn = new RecordingConnection();
    private final RecordingCommands redis = new RecordingCommands();
    private final WriteQueue queue = new WriteQueue();
    private final ReplyAwaiter replies = new ReplyAwaiter(Duration.ofMillis(50));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RedisMetrics metrics = new RedisMetrics(
            meters,
            new RedisMetrics.Source() {
                @Override
                public boolean redisUp() {
                    return true;
                }

                @Override
                public int dirtyClients() {
                    return queue.size();
                }
            },
            512);

    /** One command as the burst queued it, and its reply, which the test completes. */
    record Sent(String command, String line, List<String> args, CompletableFuture<Object> reply) {
        void answer(Object value) {
            reply.complete(value);
        }
    }

    /** Records every command; nothing is answered until the test says so. */
    static final class RecordingCommands implements BurstCommands {
        final List<Sent> sent = new ArrayList<>();
        int flushes;
        /** Answers every command with 1 as it is sent (for a burst's second round trip). */
        boolean autoAnswer;

        private <T> CompletableFuture<T> record(String command, String line, List<String> args) {
            CompletableFuture<Object> reply = new CompletableFuture<>();
            if (autoAnswer) {
                reply.complete(1L);
            }
            sent.add(new Sent(command, line, args, reply));
            @SuppressWarnings("unchecked")
            CompletableFuture<T> typed = (CompletableFuture<T>) (CompletableFuture<?>) reply;
            return typed;
        }

        @Override
        public CompletableFuture<Long> hset(RespArgs args) {
            return record("HSET", args.toCommandString(), List.of());
        }

        @Override
        public CompletableFuture<Long> hdel(String key, String... fields) {
            return record("HDEL", key + " " + String.join(" ", fields), List.of(fields));
        }

        @Override
        public CompletableFuture<Long> zadd(String key, double score, String member) {
            return record("ZADD", key + " " + score + " " + member, List.of());
        }

        @Override
        public CompletableFuture<Long> zrem(String key, String member) {
            return record("ZREM", key + " " + member, List.of());
        }

        @Override
        public CompletableFuture<Long> sadd(String key, String member) {
            return record("SADD", key + " " + member, List.of());
        }

        @Override
        public CompletableFuture<Long> srem(String key, String member) {
            return record("SREM", key + " " + member, List.of());
        }

        @Override
        public <T> CompletableFuture<T> evalsha(ScriptOutputType type, RespArgs call) {
            List<String> a = call.strings(); // sha numkeys key... arg...
            int keys = Integer.parseInt(a.get(1));
            String line = a.get(0) + " " + type + " " + String.join(" ", a.subList(2, 2 + keys));
            return record("EVALSHA", line, a.subList(2 + keys, a.size()));
        }

        @Override
        public void flush() {
            flushes++;
        }

        List<String> commands() {
            return sent.stream().map(Sent::command).toList();
        }
    }

    /** An update of {@code id}'s one field, {@code x}. */
    private static StatusUpdate update(String id, String x) {
        return new StatusUpdate(id, new String[] {"x"}, new String[] {x});
    }

    private WriteBurst burst(int clientsPerCall) {
        return new WriteBurst(redis, clientsPerCall, RETENTION_MILLIS, clock.get() / 1000);
    }

    /** Registers {@code id} and writes its first (full) write, answered as written; returns its record. */
    private ClientRecord registeredAndWritten(String id) {
        registry.apply(conn, update(id, "1"));
        ClientRecord record = registry.find(id);
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();
        answerAll(1L);
        assertThat(b.settle(replies, queue, metrics).failed()).isZero();
        redis.sent.clear();
        return record;
    }

    /** Answers every unanswered command: integers with {@code integer}, script calls with it once per key. */
    private void answerAll(long integer) {
        for (Sent s : redis.sent) {
            if (s.command().equals("EVALSHA") && s.line().contains("MULTI")) {
                int keys = s.line().split(" ").length - 2;
                s.answer(new ArrayList<>(Collections.nCopies(keys, integer)));
            } else {
                s.answer(integer);
            }
        }
    }

    private double lagCount() {
        return meters.get(GatewayMeters.REDIS_WRITE_LAG.meterName()).timer().count();
    }

    @Test
    void sendsALiveUpdateAsOnePlainHsetInTheOriginalsLayout() {
        ClientRecord record = registeredAndWritten("c");
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        assertThat(b.flush()).isTrue();

        assertThat(redis.commands()).containsExactly("HSET");
        assertThat(redis.sent.get(0).line())
                .startsWith("client:c:status x 2 last_seen ")
                .endsWith(" gateway_version " + record.version());
        assertThat(redis.flushes).isEqualTo(2);
        redis.sent.get(0).answer(0L); // no field was new: the hash was there

        double lagBefore = lagCount();
        Outcome o = b.settle(replies, queue, metrics);
        assertThat(b.pending()).extracting(p -> p.read(replies)).containsExactly(Result.WRITTEN);
        assertThat(o).isEqualTo(new Outcome(1, 0, 0, 0, false, null, List.of(), false));
        assertThat(queue.size()).isZero();
        assertThat(record.takeStoreWrite()).as("nothing left to write").isNull();
        assertThat(lagCount()).isEqualTo(lagBefore + 1);
    }

    @Test
    void writesARecordAgainInFullWhenItsHsetFindsEveryFieldNew() {
        ClientRecord record = registeredAndWritten("c");
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();
        StoreWrite w = b.pending().get(0).write();
        redis.sent.get(0).answer((long) w.names().length + 1); // every field new, gateway_version included

        Outcome o = b.settle(replies, queue, metrics);
        assertThat(o.missing()).isEqualTo(1);
        assertThat(o.failed()).isZero();
        assertThat(queue.drain(10)).containsExactly(record);
        StoreWrite again = record.takeStoreWrite();
        assertThat(again.full()).as("the record is written again in full").isTrue();
        assertThat(again.names()).contains("x", "connected", "connect_time", "gateway_node");
    }

    @Test
    void givesAFailedWriteBackWithItsNewestValuesAndQueuesItAgain() {
        ClientRecord record = registeredAndWritten("c");
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();
        registry.apply(conn, update("c", "newest")); // arrives while the write is in flight
        redis.sent.get(0).reply().completeExceptionally(new RedisCommandTimeoutException("timed out"));

        Outcome o = b.settle(replies, queue, metrics);
        assertThat(o.failed()).isEqualTo(1);
        assertThat(o.firstFailure()).hasRootCauseInstanceOf(RedisCommandTimeoutException.class);
        assertThat(o.scriptsMissing()).isFalse();
        assertThat(meters.get(GatewayMeters.REDIS_BURSTS_FAILED.meterName())
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(queue.drain(10)).containsExactly(record);
        StoreWrite retry = record.takeStoreWrite();
        assertThat(retry.full()).isFalse();
        assertThat(retry.values()[Arrays.asList(retry.names()).indexOf("x")]).isEqualTo("newest");
    }

    @Test
    void readsEachClientsResultFromItsSlotOfTheScriptCall() {
        List<ClientRecord> records = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            registry.apply(conn, update(id, "1")); // new: a full write, through the script
            records.add(registry.find(id));
        }
        WriteBurst b = burst(2);
        records.forEach(b::add);
        b.flush();

        assertThat(redis.commands()).containsExactly("ZADD", "ZADD", "EVALSHA", "ZADD", "EVALSHA");
        assertThat(redis.sent.get(0).line()).isEqualTo(RedisStatusStore.INDEX_KEY + " Infinity a");
        assertThat(redis.sent.get(2).line())
                .isEqualTo(RedisScripts.WRITE_SHA + " MULTI client:a:status " + "client:b:status");
        assertThat(redis.sent.get(4).line()).isEqualTo(RedisScripts.WRITE_SHA + " MULTI client:c:status");
        ClientRecord a = records.get(0);
        assertThat(redis.sent.get(2).args()).startsWith(Long.toString(a.version()), "f", "0", "0", "6", "x", "1");
        redis.sent.forEach(s -> {
            if (s.command().equals("ZADD")) {
                s.answer(1L);
            }
        });
        redis.sent.get(2).answer(List.of(1L, 0L)); // a written; b: Redis holds a newer version
        redis.sent.get(4).answer(List.of(-1L)); // c: gone (the script's -1 on a partial write)

        Outcome o = b.settle(replies, queue, metrics);
        assertThat(b.pending())
                .extracting(p -> p.read(replies))
                .containsExactly(Result.WRITTEN, Result.STALE, Result.MISSING);
        assertThat(o).isEqualTo(new Outcome(3, 0, 1, 2, false, null, List.of(), false));
        assertThat(queue.drain(10))
                .as("only the missing record is written again")
                .containsExactly(records.get(2));
    }

    @Test
    void failsAWriteWhoseIndexUpdateFailedThoughItsScriptSucceeded() {
        registry.apply(conn, update("c", "1"));
        ClientRecord record = registry.find("c");
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();
        redis.sent.get(0).reply().completeExceptionally(new RedisCommandTimeoutException("ZADD timed out"));
        redis.sent.get(1).answer(List.of(1L));

        assertThat(b.settle(replies, queue, metrics).failed()).isEqualTo(1);
        assertThat(queue.drain(10)).containsExactly(record);
        assertThat(record.takeStoreWrite().full())
                .as("a failed full write stays full")
                .isTrue();
    }

    @Test
    void reportsNoscriptSoThatTheWriterLoadsTheScriptsAgain() {
        registry.apply(conn, update("c", "1"));
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(registry.find("c"));
        b.flush();
        redis.sent.get(0).answer(1L);
        redis.sent
                .get(1)
                .reply()
                .completeExceptionally(new RedisNoScriptException("NOSCRIPT No matching script. Please use EVAL."));

        Outcome o = b.settle(replies, queue, metrics);
        assertThat(o.scriptsMissing()).isTrue();
        assertThat(o.failed()).isEqualTo(1);
        assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    void failsAWriteWhoseReplyNeverComes() {
        ClientRecord record = registeredAndWritten("c");
        registry.apply(conn, update("c", "2"));
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();

        Outcome o = b.settle(replies, queue, metrics); // nobody answers: the wait ends after the timeout
        assertThat(o.failed()).isEqualTo(1);
        assertThat(queue.drain(10)).containsExactly(record);
    }

    @Test
    void letsADisconnectedClientsRecordExpireAfterTheRetention() {
        ClientRecord record = registeredAndWritten("c");
        registry.release(conn, "c", DisconnectReason.CLIENT);
        long expiresAt = clock.get() / 1000 + RETENTION_MILLIS;
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();

        assertThat(redis.commands()).containsExactly("ZADD", "EVALSHA");
        assertThat(redis.sent.get(0).line()).isEqualTo(RedisStatusStore.INDEX_KEY + " " + (double) expiresAt + " c");
        assertThat(redis.sent.get(1).args())
                .as("version, partial, time to live in ms")
                .startsWith(Long.toString(record.version()), "p", Long.toString(RETENTION_MILLIS));
        answerAll(1L);
        assertThat(b.settle(replies, queue, metrics).failed()).isZero();
    }

    @Test
    void deletesAPurgedRecordThroughTheDeleteScriptAndTheIndex() {
        ClientRecord record = registeredAndWritten("c");
        registry.release(conn, "c", DisconnectReason.CLIENT);
        clock.addAndGet((RETENTION_MILLIS + 1) * 1000);
        assertThat(registry.purgeExpired()).isEqualTo(1);
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        b.flush();

        assertThat(redis.commands()).containsExactly("EVALSHA", "ZREM");
        assertThat(redis.sent.get(0).line()).isEqualTo(RedisScripts.DELETE_SHA + " INTEGER client:c:status");
        assertThat(redis.sent.get(0).args()).containsExactly(Long.toString(record.version()));
        assertThat(redis.sent.get(1).line()).isEqualTo(RedisStatusStore.INDEX_KEY + " c");
        redis.sent.get(0).answer(0L); // Redis holds a newer record (another node's): left alone
        redis.sent.get(1).answer(1L);

        assertThat(b.settle(replies, queue, metrics)).isEqualTo(new Outcome(1, 0, 0, 0, false, null, List.of(), false));
        assertThat(b.pending().get(0).read(replies)).isEqualTo(Result.STALE);
        assertThat(queue.size()).isZero();
    }

    @Test
    void sendsAndFlushesNothingWhenNoRecordHasChanges() {
        ClientRecord record = registeredAndWritten("c");
        WriteBurst b = burst(RedisScripts.CLIENTS_PER_CALL);
        b.add(record);
        int flushes = redis.flushes;

        assertThat(b.flush()).isFalse();
        assertThat(redis.sent).isEmpty();
        assertThat(redis.flushes).isEqualTo(flushes);
    }

    @Test
    void namesTheScriptsByTheDigestRedisGivesThem() {
        // SHA-1 of the script text, as Redis's SCRIPT LOAD answers (checked against Redis in every IT's connect).
        assertThat(RedisScripts.WRITE_SHA).matches("[0-9a-f]{40}");
        assertThat(RedisScripts.DELETE_SHA).matches("[0-9a-f]{40}").isNotEqualTo(RedisScripts.WRITE_SHA);
    }
}
