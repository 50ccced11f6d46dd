package io.serpentis.gateway.store;

import io.serpentis.gateway.internal.RedisReplies;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * The writer thread's wait for a Redis reply. Lettuce fails a command after the command timeout by itself; the
 * wait lasts that long plus a margin, which only guards against a future that never completes. A failed reply
 * comes out as an {@link IllegalStateException} whose cause is Redis's or Lettuce's exception.
 *
 * <p>Used only by the thread that owns the connections (the caller of {@link RedisStatusStore#start}, then the
 * writer): it blocks.
 */
final class ReplyAwaiter {
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
}
