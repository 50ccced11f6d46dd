package io.serpentis.gateway.command;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.store.RedisDeployment;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receipts' and the audit trail's own Redis connection, made on a thread of its own (Lettuce connects
 * blocking) the first time it is asked for, and again after a failed attempt, at most once a second. Commands on
 * it are asynchronous; their stages complete on Lettuce's threads, so callers never wait on an event loop.
 */
final class RedisLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
    private static final long RETRY_MILLIS = 1_000;
    /** The most commands that may wait for the connection to be made. */
    static final int MAX_WAITING = 4096;

    private final RedisDeployment deployment;
    private final ExecutorService connector =
            Executors.newSingleThreadExecutor(new DefaultThreadFactory("command-redis", true));
    private volatile RedisDeployment.@Nullable Connection connection;
    private @Nullable CompletableFuture<RedisClusterAsyncCommands<String, String>> connecting;
    private long lastAttemptMillis;
    /** Commands asked for while the connection is being made, in order. */
    private final ArrayDeque<Consumer<@Nullable RedisClusterAsyncCommands<String, String>>> waiting =
            new ArrayDeque<>();

    private volatile boolean closed;

    RedisLink(RedisDeployment deployment) {
        this.deployment = deployment;
    }

    /**
     * Runs {@code op} on the connection's commands, in the order asked: at once when the connection is open, else
     * once it is. Commands asked for while it is being made wait in line (at most {@value #MAX_WAITING}; more fail
     * at once) and go out in that order, so that two moves of one receipt asked for back to back (delivered, then
     * acknowledged) reach Redis in that order even on a node's first use of the connection. (Stages chained on one
     * future would run in no promised order: {@link CompletableFuture} runs its dependents last-in first-out.)
     */
    <T> CompletableFuture<T> call(Function<RedisClusterAsyncCommands<String, String>, CompletionStage<T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Consumer<@Nullable RedisClusterAsyncCommands<String, String>> run = c -> {
            if (c == null) {
                out.completeExceptionally(new IllegalStateException("no Redis connection for receipts and audit"));
                return;
            }
            try {
                op.apply(c).whenComplete((v, e) -> {
                    if (e != null) {
                        out.completeExceptionally(e);
                    } else {
                        out.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        };
        synchronized (this) {
            RedisDeployment.Connection c = connection;
            if (c != null && waiting.isEmpty()) {
                run.accept(c.commands());
                return out;
            }
            if (waiting.size() >= MAX_WAITING) {
                out.completeExceptionally(new IllegalStateException("too many commands wait for the Redis connection"));
                return out;
            }
            waiting.add(run);
            if (waiting.size() == 1) {
                // One dependent drains the whole line, in order (it runs at once if the connection is already made).
                connecting().whenComplete((commands, e) -> drain(e == null ? commands : null));
            }
        }
        return out;
    }

    /** Runs every command waiting in line, in order, on {@code commands} (or fails them all when {@code null}). */
    private synchronized void drain(@Nullable RedisClusterAsyncCommands<String, String> commands) {
        for (Consumer<@Nullable RedisClusterAsyncCommands<String, String>> w; (w = waiting.poll()) != null; ) {
            w.accept(commands);
        }
    }

    /** The attempt to connect under way, or a new one (at most one a second after a failure). */
    private synchronized CompletableFuture<RedisClusterAsyncCommands<String, String>> connecting() {
        RedisDeployment.Connection c = connection;
        if (c != null) {
            return CompletableFuture.completedFuture(c.commands());
        }
        CompletableFuture<RedisClusterAsyncCommands<String, String>> f = connecting;
        long now = System.currentTimeMillis();
        if (f == null || (f.isCompletedExceptionally() && now - lastAttemptMillis >= RETRY_MILLIS)) {
            lastAttemptMillis = now;
            f = CompletableFuture.supplyAsync(this::connect, connector);
            connecting = f;
        }
        return f;
    }

    private RedisClusterAsyncCommands<String, String> connect() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        try {
            RedisDeployment.Connection c = deployment.connectUnreported();
            connection = c;
            return c.commands();
        } catch (RuntimeException e) {
            log.debug("receipts and audit: Redis connection failed: {}", e.toString());
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        try {
            connector.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RedisDeployment.Connection c = connection;
        if (c != null) {
            c.stateful().close();
        }
    }
}
