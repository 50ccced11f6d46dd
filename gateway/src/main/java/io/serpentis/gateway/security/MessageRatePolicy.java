package io.serpentis.gateway.security;

import io.serpentis.gateway.config.ConnectionLimitsConfig;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One connection's message rate: a {@link TokenBucket} of {@code --message-rate} and {@code --message-burst}, and
 * the refusal streak that ends a connection which keeps flooding: refusals with no pause of a second or more
 * between them, for {@code --rate-limit-close-after}. Messages accepted in between do not end a streak; a pause
 * does. No allocation.
 *
 * <p>Not thread-safe: confine an instance to its connection's event loop.
 */
public final class MessageRatePolicy {

    /** What becomes of one message. */
    public enum Verdict {
        /** Within the rate. */
        ACCEPT,
        /** Over the rate: refuse it. */
        REFUSE,
        /** Over the rate, and refusals have gone on for the close-after time: refuse it and close. */
        REFUSE_AND_CLOSE
    }

    /** A pause this long between two refusals ends a streak. */
    private static final long STREAK_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TokenBucket bucket;
    private final long closeAfterNanos;
    private boolean refusing;
    private long refusingSinceNanos;
    private long lastRefusalNanos;

    private MessageRatePolicy(ConnectionLimitsConfig limits) {
        this.bucket = new TokenBucket(limits.messageRate(), limits.messageBurst());
        this.closeAfterNanos = limits.rateLimitCloseAfter().toNanos();
    }

    /** The policy of {@code limits}, or {@code null} when they set no message rate. */
    public static @Nullable MessageRatePolicy of(ConnectionLimitsConfig limits) {
        return limits.messageRate() > 0 ? new MessageRatePolicy(limits) : null;
    }

    /** Judges a message arriving at {@code nowNanos} (a monotonic clock). */
    public Verdict onMessage(long nowNanos) {
        if (bucket.tryAcquire(nowNanos)) {
            return Verdict.ACCEPT;
        }
        if (!refusing || nowNanos - lastRefusalNanos >= STREAK_GAP_NANOS) {
            refusing = true;
            refusingSinceNanos = nowNanos;
        }
        lastRefusalNanos = nowNanos;
        boolean close = closeAfterNanos > 0 && nowNanos - refusingSinceNanos >= closeAfterNanos;
        return close ? Verdict.REFUSE_AND_CLOSE : Verdict.REFUSE;
    }
}
