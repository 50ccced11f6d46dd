package io.serpentis.gateway.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Redis persistence. Without a URL the gateway runs on its embedded in-memory store and nothing below applies.
 *
 * @param url {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://...} (TLS);
 *     {@code null} (default) keeps the embedded store ({@code --redis-url}, {@code REDIS_URL}); its password is
 *     never printed
 * @param flushInterval the write-behind writes dirty clients at least this often; default 5 ms
 * @param batchSize at most this many clients go in one pipelined burst; a full batch is written at once,
 *     without waiting for the interval; default 512
 * @param commandTimeout a Redis command without an answer after this long fails (its clients stay dirty and are
 *     written again); default 2 s
 * @param reconnectMaxDelay upper bound of the jittered, growing delay between reconnect attempts; default 5 s
 * @param requestQueueSize most commands queued per Redis connection; beyond it commands fail fast instead of
 *     buffering (clients stay dirty); default 10000
 */
public record RedisConfig(
        @Nullable String url,
        Duration flushInterval,
        int batchSize,
        Duration commandTimeout,
        Duration reconnectMaxDelay,
        int requestQueueSize) {

    public RedisConfig {
        if (url != null && url.isBlank()) {
            url = null;
        }
        if (url != null
                && !url.startsWith("redis://")
                && !url.startsWith("rediss://")
                && !url.startsWith("redis-socket://")) {
            throw new IllegalArgumentException("redis-url must start with redis:// or rediss://, was " + redact(url));
        }
        Checks.positive(flushInterval, "redis-flush-interval");
        Checks.range(batchSize, 1, 100_000, "redis-batch-size");
        Checks.positive(commandTimeout, "redis-command-timeout");
        Checks.positive(reconnectMaxDelay, "redis-reconnect-max-delay");
        Checks.range(requestQueueSize, 64, 10_000_000, "redis-request-queue-size");
        if (requestQueueSize < 2 * batchSize) {
            throw new IllegalArgumentException("redis-request-queue-size (" + requestQueueSize
                    + ") must hold at least two commands per client of a batch (redis-batch-size " + batchSize + ")");
        }
    }

    /** No Redis: the embedded store. Write-behind settings at their defaults. */
    public static RedisConfig defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether Redis is configured. */
    public boolean enabled() {
        return url != null;
    }

    /** A copy with {@code url} changed. */
    public RedisConfig withUrl(@Nullable String newUrl) {
        return toBuilder().url(newUrl).build();
    }

    /** A copy with {@code flushInterval} changed. */
    public RedisConfig withFlushInterval(Duration interval) {
        return toBuilder().flushInterval(interval).build();
    }

    /** A copy with {@code commandTimeout} changed. */
    public RedisConfig withCommandTimeout(Duration timeout) {
        return toBuilder().commandTimeout(timeout).build();
    }

    /** A copy with {@code reconnectMaxDelay} changed. */
    public RedisConfig withReconnectMaxDelay(Duration delay) {
        return toBuilder().reconnectMaxDelay(delay).build();
    }

    /** {@code url} with any password replaced by {@code <redacted>}. */
    public static String redact(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@/]*@", "$1<redacted>@");
    }

    @Override
    public String toString() {
        return "RedisConfig[url=" + (url == null ? "none (embedded store)" : redact(url))
                + ", flushInterval=" + flushInterval + ", batchSize=" + batchSize + ", commandTimeout="
                + commandTimeout + ", reconnectMaxDelay=" + reconnectMaxDelay + ", requestQueueSize="
                + requestQueueSize + "]";
    }

    /**
     * Builds a {@link RedisConfig}; {@link #build()} validates, so the queue size and the batch size, checked against
     * each other, may be set in any order. Its initial values are the defaults.
     */
    public static final class Builder {
        private @Nullable String url;
        private Duration flushInterval = Duration.ofMillis(5);
        private int batchSize = 512;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private int requestQueueSize = 10_000;

        private Builder() {}

        private Builder(RedisConfig c) {
            url = c.url;
            flushInterval = c.flushInterval;
            batchSize = c.batchSize;
            commandTimeout = c.commandTimeout;
            reconnectMaxDelay = c.reconnectMaxDelay;
            requestQueueSize = c.requestQueueSize;
        }

        /** See {@link RedisConfig#url()}; {@code null} or blank keeps the embedded store. */
        public Builder url(@Nullable String url) {
            this.url = url;
            return this;
        }

        /** See {@link RedisConfig#flushInterval()}. */
        public Builder flushInterval(Duration interval) {
            this.flushInterval = interval;
            return this;
        }

        /** See {@link RedisConfig#batchSize()}. */
        public Builder batchSize(int clients) {
            this.batchSize = clients;
            return this;
        }

        /** See {@link RedisConfig#commandTimeout()}. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        /** See {@link RedisConfig#reconnectMaxDelay()}. */
        public Builder reconnectMaxDelay(Duration delay) {
            this.reconnectMaxDelay = delay;
            return this;
        }

        /** See {@link RedisConfig#requestQueueSize()}. */
        public Builder requestQueueSize(int commands) {
            this.requestQueueSize = commands;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public RedisConfig build() {
            return new RedisConfig(url, flushInterval, batchSize, commandTimeout, reconnectMaxDelay, requestQueueSize);
        }
    }
}
