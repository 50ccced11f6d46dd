package io.serpentis.gateway.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The blocking wait for a Redis reply, for the threads that own their Redis connection (the store's writer, the
 * fleet's heartbeat, reaper and resync threads; never an event loop). Lettuce fails a command after its command
 * timeout by itself, so the wait only guards against a future that never completes.
 */
public final class RedisReplies {
    private RedisReplies() {}

    /**
     * Waits up to {@code waitMillis} for {@code reply} and returns its value. A failed reply comes out as an
     * {@link IllegalStateException} whose cause is Redis's or Lettuce's exception; no reply in time as one saying
     * Redis did not answer within {@code commandTimeout}; an interrupt keeps the thread's flag set.
     */
    public static <T> T await(Future<T> reply, long waitMillis, Duration commandTimeout) {
        try {
            return reply.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
            throw new IllegalStateException(cause.toString(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within " + commandTimeout, e);
        }
    }
}
