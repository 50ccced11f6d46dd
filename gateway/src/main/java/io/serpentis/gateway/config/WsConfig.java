package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * The WebSocket endpoint and its timers.
 *
 * @param path the endpoint clients connect to; default {@code /ws} (the original's)
 * @param maxFrameBytes largest frame payload and largest reassembled message; larger closes with 1009;
 *     default 65536
 * @param handshakeTimeout an upgrade that does not complete within this time is closed; default 10 s
 * @param pingInterval a connection quiet (nothing received) for this long is sent a ping; default 5 s
 * @param livenessTimeout a connection that sent nothing, not even a pong, for this long is closed with
 *     {@code 4002} and its client marked disconnected ("timed out"); default 12 s, so that a silent client
 *     (a frozen process, a dead host, a half-open connection) is shown disconnected within 15 s, while a live one
 *     has 7 s to answer the first ping and is pinged a second time before it is given up
 * @param disconnectGrace after {@code {"command": "disconnect"}} the client has this long to close by itself
 *     before the gateway sends its own close frame; default 1 s
 * @param closeTimeout after the gateway sends a close frame, a peer that does not answer within this time is
 *     force-closed; default 3 s
 * @param rejectLogInterval refused messages are logged (truncated) at most once per connection per this
 *     interval, with a count of those not logged; default 10 s
 */
public record WsConfig(
        String path,
        int maxFrameBytes,
        Duration handshakeTimeout,
        Duration pingInterval,
        Duration livenessTimeout,
        Duration disconnectGrace,
        Duration closeTimeout,
        Duration rejectLogInterval) {

    public WsConfig {
        Checks.notNull(path, "ws-path");
        if (!path.startsWith("/") || path.length() < 2) {
            throw new IllegalArgumentException("ws-path must start with / and name a path, was " + path);
        }
        Checks.range(maxFrameBytes, 128, 16 * 1024 * 1024, "max-frame-bytes");
        Checks.positive(handshakeTimeout, "handshake-timeout");
        Checks.positive(pingInterval, "ping-interval");
        Checks.positive(livenessTimeout, "liveness-timeout");
        Checks.notNegative(disconnectGrace, "disconnect-grace");
        Checks.positive(closeTimeout, "close-timeout");
        Checks.positive(rejectLogInterval, "reject-log-interval");
        if (livenessTimeout.compareTo(pingInterval) <= 0) {
            throw new IllegalArgumentException("liveness-timeout (" + livenessTimeout
                    + ") must be longer than ping-interval (" + pingInterval + ")");
        }
    }

    /** The defaults: {@code /ws}, 64 KiB frames, 10 s handshake, ping after 5 s, timeout after 12 s. */
    public static WsConfig defaults() {
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

    /** A copy with {@code maxFrameBytes} changed. */
    public WsConfig withMaxFrameBytes(int bytes) {
        return toBuilder().maxFrameBytes(bytes).build();
    }

    /** A copy with {@code disconnectGrace} changed. */
    public WsConfig withDisconnectGrace(Duration grace) {
        return toBuilder().disconnectGrace(grace).build();
    }

    /** A copy with {@code closeTimeout} changed. */
    public WsConfig withCloseTimeout(Duration timeout) {
        return toBuilder().closeTimeout(timeout).build();
    }

    /**
     * Builds a {@link WsConfig}; {@link #build()} validates, so settings checked against each other (the liveness
     * timeout against the ping interval) may be set in any order. Its initial values are the defaults.
     */
    public static final class Builder {
        private String path = "/ws";
        private int maxFrameBytes = 65536;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ofSeconds(5);
        private Duration livenessTimeout = Duration.ofSeconds(12);
        private Duration disconnectGrace = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(3);
        private Duration rejectLogInterval = Duration.ofSeconds(10);

        private Builder() {}

        private Builder(WsConfig c) {
            path = c.path;
            maxFrameBytes = c.maxFrameBytes;
            handshakeTimeout = c.handshakeTimeout;
            pingInterval = c.pingInterval;
            livenessTimeout = c.livenessTimeout;
            disconnectGrace = c.disconnectGrace;
            closeTimeout = c.closeTimeout;
            rejectLogInterval = c.rejectLogInterval;
        }

        /** See {@link WsConfig#path()}. */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /** See {@link WsConfig#maxFrameBytes()}. */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /** See {@link WsConfig#handshakeTimeout()}. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** See {@link WsConfig#pingInterval()}. */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval;
            return this;
        }

        /** See {@link WsConfig#livenessTimeout()}; longer than the ping interval. */
        public Builder livenessTimeout(Duration timeout) {
            this.livenessTimeout = timeout;
            return this;
        }

        /** See {@link WsConfig#disconnectGrace()}. */
        public Builder disconnectGrace(Duration grace) {
            this.disconnectGrace = grace;
            return this;
        }

        /** See {@link WsConfig#closeTimeout()}. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** See {@link WsConfig#rejectLogInterval()}. */
        public Builder rejectLogInterval(Duration interval) {
            this.rejectLogInterval = interval;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public WsConfig build() {
            return new WsConfig(
                    path,
                    maxFrameBytes,
                    handshakeTimeout,
                    pingInterval,
                    livenessTimeout,
                    disconnectGrace,
                    closeTimeout,
                    rejectLogInterval);
        }
    }
}
