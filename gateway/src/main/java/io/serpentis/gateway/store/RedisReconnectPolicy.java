package io.serpentis.gateway.store;

import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How the store finds its way back to Redis, in one place.
 *
 * <p>The delay between attempts. Lettuce reconnects a connection it had established by itself (its
 * {@code ConnectionWatchdog}); the writer retries a connection it could not open at all (Redis down at start-up).
 * Both wait {@link #delay()}: full jitter, a random wait that grows with each attempt from {@value #BASE_MILLIS} ms
 * up to {@code --redis-reconnect-max-delay} and never below {@link #MIN_DELAY}, so that the gateways of a fleet do
 * not reconnect in step after a Redis restart.
 *
 * <p>Which connection activation is a reconnect: a data connection (on Cluster, a connection to one node) that
 * connects a second time, after which Redis may have restarted empty, or be another one (a Sentinel failover); and
 * on Cluster a change of the slots' masters. {@link RedisDeployment} tells these apart from Lettuce's short-lived
 * connections (topology refresh, Sentinel lookups) and reports them; the store then writes every record back.
 *
 * <p>Threading: the attempt count belongs to the thread that opens the connections (the caller of
 * {@link RedisStatusStore#start}, then the writer).
 */
final class RedisReconnectPolicy {
    /** The shortest wait between attempts. */
    static final Duration MIN_DELAY = Duration.ofMillis(50);
    /** The first attempts wait about this long; each further one up to twice as long as the one before. */
    static final long BASE_MILLIS = 100;

    private final Delay delay;
    private int failedConnects;

    /** @param maxDelay the longest wait between attempts ({@code --redis-reconnect-max-delay}) */
    RedisReconnectPolicy(Duration maxDelay) {
        this.delay = Delay.fullJitter(MIN_DELAY, maxDelay, BASE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The delay between attempts, for Lettuce's {@code ClientResources}. */
    Delay delay() {
        return delay;
    }

    /** The writer could not open its connections: how long to wait before it tries again. */
    Duration connectFailed() {
        return delay.createDelay(++failedConnects);
    }

    /** The connections are open: the next failure waits the shortest delay again. */
    void connected() {
        failedConnects = 0;
    }
}
