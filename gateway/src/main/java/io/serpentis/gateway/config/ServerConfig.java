package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * Where and how the gateway listens.
 *
 * @param host address to bind ({@code --host}, {@code HOST}); default {@code 127.0.0.1}, use {@code 0.0.0.0} to
 *     listen on every interface
 * @param port TCP port ({@code --port}, {@code PORT}); default 8000; 0 picks a free port (tests)
 * @param transport socket transport; {@link Transport#AUTO} (default) takes epoll where the native library loads
 *     and NIO otherwise
 * @param ioThreads event-loop threads; 0 (default) means one per available processor
 * @param shutdownTimeout upper bound for a graceful shutdown (SIGTERM): clients get close 1001 and the process
 *     exits within this time; default 10 s
 */
public record ServerConfig(String host, int port, Transport transport, int ioThreads, Duration shutdownTimeout) {

    public ServerConfig {
        Checks.notNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        Checks.range(port, 0, 65535, "port");
        Checks.notNull(transport, "transport");
        Checks.range(ioThreads, 0, 1024, "io-threads");
        Checks.positive(shutdownTimeout, "shutdown-timeout");
    }

    /** The defaults: {@code 127.0.0.1:8000}, automatic transport, one event loop per core, 10 s shutdown. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, Transport.AUTO, 0, Duration.ofSeconds(10));
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, transport, ioThreads, shutdownTimeout);
    }

    public ServerConfig withHost(String newHost) {
        return new ServerConfig(newHost, port, transport, ioThreads, shutdownTimeout);
    }

    public ServerConfig withShutdownTimeout(Duration timeout) {
        return new ServerConfig(host, port, transport, ioThreads, timeout);
    }

    /** Socket transports. */
    public enum Transport {
        /** epoll when available, NIO otherwise. */
        AUTO,
        /** Linux epoll; start-up fails when the native library cannot load. */
        EPOLL,
        /** Java NIO, available everywhere. */
        NIO
    }
}
