package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * The WebSocket endpoint and its timers.
 *
 * @param path the endpoint clients connect to; default {@code /ws} (the original's)
 * @param maxFrameBytes largest frame payload and largest reassembled message; larger closes with 1009;
 *     default 65536
 * @param handshakeTimeout an upgrade that does not complete within this time is closed; default 10 s
 * @param pingInterval a connection quiet (nothing received) for this long is sent a ping; default 10 s
 * @param livenessTimeout a connection that sent nothing, not even a pong, for this long is closed with
 *     {@code 4002} and its client marked disconnected ("timed out"); default 30 s
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

    /** The defaults: {@code /ws}, 64 KiB frames, 10 s handshake, ping after 10 s, timeout after 30 s. */
    public static WsConfig defaults() {
        return new WsConfig("/ws", 65536, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(10));
    }

    public WsConfig withLiveness(Duration newPingInterval, Duration newLivenessTimeout) {
        return new WsConfig(path, maxFrameBytes, handshakeTimeout, newPingInterval, newLivenessTimeout,
                disconnectGrace, closeTimeout, rejectLogInterval);
    }

    public WsConfig withMaxFrameBytes(int bytes) {
        return new WsConfig(path, bytes, handshakeTimeout, pingInterval, livenessTimeout, disconnectGrace,
                closeTimeout, rejectLogInterval);
    }

    public WsConfig withDisconnectGrace(Duration grace) {
        return new WsConfig(path, maxFrameBytes, handshakeTimeout, pingInterval, livenessTimeout, grace,
                closeTimeout, rejectLogInterval);
    }

    public WsConfig withCloseTimeout(Duration timeout) {
        return new WsConfig(path, maxFrameBytes, handshakeTimeout, pingInterval, livenessTimeout, disconnectGrace,
                timeout, rejectLogInterval);
    }
}
