package io.serpentis.gateway.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandType;
import java.util.concurrent.CompletableFuture;

/**
 * The commands a {@link WriteBurst} sends, and nothing more: a narrow seam over Lettuce's asynchronous API on the
 * write connection, so that a burst can be built and its replies completed by hand without Redis
 * ({@code WriteBurstTest}, {@code WriteBurstBenchmark}). Each method only queues its command and returns its reply;
 * {@link #flush()} sends what was queued.
 */
interface BurstCommands {

    /** {@code HSET} with arguments laid out by {@link RedisScripts#hsetArgs}; the reply counts the new fields. */
    CompletableFuture<Long> hset(RespArgs args);

    /** {@code HDEL key field...}. */
    CompletableFuture<Long> hdel(String key, String... fields);

    /** {@code ZADD key score member}. */
    CompletableFuture<Long> zadd(String key, double score, String member);

    /** {@code ZREM key member}. */
    CompletableFuture<Long> zrem(String key, String member);

    /** {@code SADD key member}: a fleet node's claimed client (its client set). */
    CompletableFuture<Long> sadd(String key, String member);

    /** {@code SREM key member}. */
    CompletableFuture<Long> srem(String key, String member);

    /**
     * {@code EVALSHA sha numkeys key... arg...}, the whole call built by {@link RespArgs#script}; its reply read as
     * {@code type} ({@link ScriptOutputType#INTEGER} or {@link ScriptOutputType#MULTI}).
     */
    <T> CompletableFuture<T> evalsha(ScriptOutputType type, RespArgs call);

    /** Sends every command queued since the last flush. */
    void flush();

    /**
     * The commands on {@code connection}, which must have auto-flush off (the burst flushes once). On Cluster each
     * command goes to its key's master, held there until the flush, which sends every node's commands at once.
     */
    static BurstCommands of(RedisDeployment.Connection connection) {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        return new BurstCommands() {
            @Override
            public CompletableFuture<Long> hset(RespArgs args) {
                // dispatch: the arguments are encoded once, by the writer, without a map per client
                return c.dispatch(CommandType.HSET, new IntegerOutput<>(StringCodec.UTF8), args)
                        .toCompletableFuture();
            }

            @Override
            public CompletableFuture<Long> hdel(String key, String... fields) {
                return c.hdel(key, fields).toCompletableFuture();
            }

            @Override
            public CompletableFuture<Long> zadd(String key, double score, String member) {
                return c.zadd(key, score, member).toCompletableFuture();
            }

            @Override
            public CompletableFuture<Long> zrem(String key, String member) {
                return c.zrem(key, member).toCompletableFuture();
            }

            @Override
            public CompletableFuture<Long> sadd(String key, String member) {
                return c.sadd(key, member).toCompletableFuture();
            }

            @Override
            public CompletableFuture<Long> srem(String key, String member) {
                return c.srem(key, member).toCompletableFuture();
            }

            @Override
            public <T> CompletableFuture<T> evalsha(ScriptOutputType type, RespArgs call) {
                return c.dispatch(CommandType.EVALSHA, BurstCommands.<T>scriptOutput(type), call)
                        .toCompletableFuture();
            }

            @Override
            public void flush() {
                connection.stateful().flushCommands();
            }
        };
    }

    /** How a script's reply of {@code type} is read, as Lettuce's own {@code evalsha} reads it. */
    @SuppressWarnings("unchecked")
    private static <T> CommandOutput<String, String, T> scriptOutput(ScriptOutputType type) {
        return (CommandOutput<String, String, T>)
                switch (type) {
                    case INTEGER -> new IntegerOutput<>(StringCodec.UTF8);
                    case MULTI -> new NestedMultiOutput<>(StringCodec.UTF8);
                    default -> throw new IllegalArgumentException("not a write-path reply: " + type);
                };
    }
}
