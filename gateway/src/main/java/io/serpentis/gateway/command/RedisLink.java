package io.serpentis.gateway.command;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.serpentis.gateway.store.RedisDeployment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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

    private final RedisDeployment deployment;
    private final ExecutorService connector =
            Executors.newSingleThreadExecutor(new DefaultThreadFactory("command-redis", true));
    private volatile RedisDeployment.@Nullable Connection connection;
    private @Nullable CompletableFuture<RedisClusterAsyncCommands<String, String>> connecting;
    private long lastAttemptMillis;
    private volatile boolean closed;

    RedisLink(RedisDeployment deployment) {
        this.deployment = deployment;
    }

    /** The connection's commands, once it is open. */
    synchronized CompletableFuture<RedisClusterAsyncCommands<String, String>> commands() {
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
