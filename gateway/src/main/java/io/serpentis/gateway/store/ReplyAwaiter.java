package io.serpentis.gateway.store;

import io.lettuce.core.RedisCommandTimeoutException;
import io.serpentis.gateway.internal.RedisReplies;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's wait for a Redis reply. Lettuce fails a command after the command timeout by itself; the
 * wait lasts that long plus a margin, which only guards against a future that never completes. A failed reply
 * comes out as an {@link IllegalStateException} whose cause is Redis's or Lettuce's exception.
 *
 * <p>Used only by the thread that owns the connections (the caller of {@link RedisStatusStore#start}, then the
 * writer): it blocks.
 */
final class ReplyAwaiter {
    private static final Logger log = LoggerFactory.getLogger(ReplyAwaiter.class);
    private static final long MARGIN_MILLIS = 500;

    private final Duration commandTimeout;
    private final long waitMillis;

    ReplyAwaiter(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
        this.waitMillis = commandTimeout.toMillis() + MARGIN_MILLIS;
    }

    /** Waits for {@code reply} and returns its value. */
    <T> T await(Future<T> reply) {
        return RedisReplies.await(reply, waitMillis, commandTimeout);
    }

    /** Waits for {@code reply} like {@link #await}, ignoring how it ends (the caller checks each result). */
    void awaitQuietly(Future<?> reply) {
        try {
            await(reply);
        } catch (RuntimeException e) {
            // reported by the caller
        }
    }

    /**
     * A command that timed out is still on the connection (Lettuce keeps it in its stack until Redis answers, to
     * match the replies in order), and Redis may still run it. Sending the failed writes again at once would stack
     * a burst more on every timeout while Redis is slow, until Lettuce refuses commands (its request queue bound):
     * so the writer sends nothing more until a {@code PING} behind them is answered, which means Redis answered (or
     * the connection dropped) everything sent before. One ping at a time, each within the command timeout, while
     * {@code keepWaiting} holds; a connection that drops ends the wait (the reconnect writes everything back).
     */
    void awaitAnswersInFlight(RedisDeployment deployment, RedisDeployment.Connection c, BooleanSupplier keepWaiting) {
        long started = System.nanoTime();
        while (keepWaiting.getAsBoolean()) {
            try {
                CompletableFuture<?> ping = deployment.ping(c);
                c.stateful().flushCommands(); // the write connection flushes by hand (bursts)
                await(ping);
                log.debug(
                        "Redis answered every write in flight after {} ms",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                return;
            } catch (RuntimeException e) {
                if (!timedOut(e)) {
                    return;
                }
            }
        }
    }

    /** Whether {@code failure} (or a cause of it) is a command timeout. */
    static boolean timedOut(@Nullable Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RedisCommandTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
