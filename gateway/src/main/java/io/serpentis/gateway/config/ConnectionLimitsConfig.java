package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * What the whole gateway, one source address and one connection may take. Defaults are generous: far above what
 * a status client needs (the original's client sends one message every 10 s) and above what the load generator
 * pushes through one connection, so that they only stop floods and runaway clients; lower them when the clients
 * are known. A source address is an IPv4 address or an IPv6 /64 prefix.
 *
 * @param maxConnections most WebSocket connections open at once; the next upgrade is answered 503, and sockets
 *     beyond this plus a margin for HTTP requests (a quarter, at least 1024) are closed at accept; default 100000
 *     ({@code --max-connections})
 * @param maxConnectionsPerAddress most sockets open at once from one source address, HTTP and WebSocket alike,
 *     counted from the moment each is accepted (beyond it a socket is answered 429 at accept, before any request is
 *     read); 0 means no limit; default 1000 ({@code --max-connections-per-address})
 * @param connectionRatePerAddress new sockets per second one source address may open, on average, charged once per
 *     accepted socket (429 at accept beyond); 0 means no limit; default 50 ({@code --connection-rate-per-address})
 * @param connectionBurstPerAddress how many new sockets one source address may open at once before the rate
 *     applies; default 500 ({@code --connection-burst-per-address})
 * @param limitLoopback whether the per-address limits also apply to loopback peers; default {@code false}, because
 *     on loopback the "address" is a local reverse proxy, the load generator or a local tool rather than one
 *     client ({@code --limit-loopback})
 * @param messageRate messages per second one connection may send, on average; over it a message is answered
 *     {@code {"error": ...}} and nothing is stored; 0 means no limit; default 10000 ({@code --message-rate})
 * @param messageBurst how many messages one connection may send at once before the rate applies; default 10000
 *     ({@code --message-burst})
 * @param rateLimitCloseAfter a connection whose messages keep being refused (refusals less than a second apart)
 *     for this long is closed with 1008; {@link Duration#ZERO} only refuses and never closes; default 10 s
 *     ({@code --rate-limit-close-after})
 * @param slowConsumerTimeout a WebSocket connection whose replies stay unread (its write buffer over the high
 *     watermark, so the gateway stopped reading it) for this long is closed with 1008; default 15 s
 *     ({@code --slow-consumer-timeout})
 */
public record ConnectionLimitsConfig(
        int maxConnections,
        int maxConnectionsPerAddress,
        int connectionRatePerAddress,
        int connectionBurstPerAddress,
        boolean limitLoopback,
        int messageRate,
        int messageBurst,
        Duration rateLimitCloseAfter,
        Duration slowConsumerTimeout) {

    public ConnectionLimitsConfig {
        Checks.range(maxConnections, 1, 10_000_000, "max-connections");
        Checks.range(maxConnectionsPerAddress, 0, 10_000_000, "max-connections-per-address");
        Checks.range(connectionRatePerAddress, 0, 1_000_000, "connection-rate-per-address");
        Checks.range(connectionBurstPerAddress, 1, 10_000_000, "connection-burst-per-address");
        Checks.range(messageRate, 0, 10_000_000, "message-rate");
        Checks.range(messageBurst, 1, 10_000_000, "message-burst");
        Checks.notNegative(rateLimitCloseAfter, "rate-limit-close-after");
        Checks.positive(slowConsumerTimeout, "slow-consumer-timeout");
    }

    /** The documented defaults (see the record's components). */
    public static ConnectionLimitsConfig defaults() {
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

    /** The global cap changed to {@code max}. */
    public ConnectionLimitsConfig withMaxConnections(int max) {
        return toBuilder().maxConnections(max).build();
    }

    /** The slow-consumer timeout changed. */
    public ConnectionLimitsConfig withSlowConsumerTimeout(Duration timeout) {
        return toBuilder().slowConsumerTimeout(timeout).build();
    }

    /** Builds a {@link ConnectionLimitsConfig}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private int maxConnections = 100_000;
        private int maxConnectionsPerAddress = 1000;
        private int connectionRatePerAddress = 50;
        private int connectionBurstPerAddress = 500;
        private boolean limitLoopback;
        private int messageRate = 10_000;
        private int messageBurst = 10_000;
        private Duration rateLimitCloseAfter = Duration.ofSeconds(10);
        private Duration slowConsumerTimeout = Duration.ofSeconds(15);

        private Builder() {}

        private Builder(ConnectionLimitsConfig c) {
            maxConnections = c.maxConnections;
            maxConnectionsPerAddress = c.maxConnectionsPerAddress;
            connectionRatePerAddress = c.connectionRatePerAddress;
            connectionBurstPerAddress = c.connectionBurstPerAddress;
            limitLoopback = c.limitLoopback;
            messageRate = c.messageRate;
            messageBurst = c.messageBurst;
            rateLimitCloseAfter = c.rateLimitCloseAfter;
            slowConsumerTimeout = c.slowConsumerTimeout;
        }

        /** See {@link ConnectionLimitsConfig#maxConnections()}. */
        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#maxConnectionsPerAddress()}; 0 means no limit. */
        public Builder maxConnectionsPerAddress(int max) {
            this.maxConnectionsPerAddress = max;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#connectionRatePerAddress()}; 0 means no limit. */
        public Builder connectionRatePerAddress(int perSecond) {
            this.connectionRatePerAddress = perSecond;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#connectionBurstPerAddress()}. */
        public Builder connectionBurstPerAddress(int burst) {
            this.connectionBurstPerAddress = burst;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#limitLoopback()}. */
        public Builder limitLoopback(boolean limit) {
            this.limitLoopback = limit;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#messageRate()}; 0 means no limit. */
        public Builder messageRate(int perSecond) {
            this.messageRate = perSecond;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#messageBurst()}. */
        public Builder messageBurst(int burst) {
            this.messageBurst = burst;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#rateLimitCloseAfter()}; {@link Duration#ZERO} never closes. */
        public Builder rateLimitCloseAfter(Duration closeAfter) {
            this.rateLimitCloseAfter = closeAfter;
            return this;
        }

        /** See {@link ConnectionLimitsConfig#slowConsumerTimeout()}. */
        public Builder slowConsumerTimeout(Duration timeout) {
            this.slowConsumerTimeout = timeout;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public ConnectionLimitsConfig build() {
            return new ConnectionLimitsConfig(
                    maxConnections,
                    maxConnectionsPerAddress,
                    connectionRatePerAddress,
                    connectionBurstPerAddress,
                    limitLoopback,
                    messageRate,
                    messageBurst,
                    rateLimitCloseAfter,
                    slowConsumerTimeout);
        }
    }
}
