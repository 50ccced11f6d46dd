package io.serpentis.gateway.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

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
 * @param nodeId this node's id, kept in every client record it holds. The command line always sets one (the
 *     configured one, else {@code <host name>:<port>}); {@code null} (the default of a configuration built in code)
 *     means {@link #effectiveNodeId()}'s fallback
 */
public record ServerConfig(
        String host,
        int port,
        Transport transport,
        int ioThreads,
        Duration shutdownTimeout,
        @Nullable String nodeId) {

    public ServerConfig {
        Checks.notNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        Checks.range(port, 0, 65535, "port");
        Checks.notNull(transport, "transport");
        Checks.range(ioThreads, 0, 1024, "io-threads");
        Checks.positive(shutdownTimeout, "shutdown-timeout");
        if (nodeId != null && (nodeId.isBlank() || nodeId.length() > 128)) {
            throw new IllegalArgumentException("node-id must be 1 to 128 characters, was '" + nodeId + "'");
        }
    }

    /**
     * The node id: the configured one, else {@link #defaultNodeId defaultNodeId("gateway", port)}. The host name is
     * not looked up here, as only the command line reads the environment; it sets the id it derives.
     */
    public String effectiveNodeId() {
        return nodeId != null ? nodeId : defaultNodeId("gateway", port);
    }

    /**
     * The id of a node on {@code hostName} listening on {@code port}: {@code <hostName>:<port>}, stable across
     * restarts of a node on a fixed port, or {@code <hostName>:pid<pid>} when the system picks the port.
     */
    public static String defaultNodeId(String hostName, int port) {
        return hostName + ":"
                + (port != 0
                        ? Integer.toString(port)
                        : "pid" + ProcessHandle.current().pid());
    }

    /** The defaults: {@code 127.0.0.1:8000}, automatic transport, one event loop per core, 10 s shutdown. */
    public static ServerConfig defaults() {
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

    /** A copy with {@code port} changed. */
    public ServerConfig withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    /** A copy with {@code host} changed. */
    public ServerConfig withHost(String newHost) {
        return toBuilder().host(newHost).build();
    }

    /** A copy with {@code shutdownTimeout} changed. */
    public ServerConfig withShutdownTimeout(Duration timeout) {
        return toBuilder().shutdownTimeout(timeout).build();
    }

    /** A copy with {@code nodeId} changed. */
    public ServerConfig withNodeId(@Nullable String id) {
        return toBuilder().nodeId(id).build();
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

    /** Builds a {@link ServerConfig}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private Transport transport = Transport.AUTO;
        private int ioThreads;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private @Nullable String nodeId;

        private Builder() {}

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            transport = c.transport;
            ioThreads = c.ioThreads;
            shutdownTimeout = c.shutdownTimeout;
            nodeId = c.nodeId;
        }

        /** See {@link ServerConfig#host()}. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** See {@link ServerConfig#port()}; 0 picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** See {@link ServerConfig#transport()}. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** See {@link ServerConfig#ioThreads()}; 0 means one per available processor. */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** See {@link ServerConfig#shutdownTimeout()}. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /** See {@link ServerConfig#nodeId()}. */
        public Builder nodeId(@Nullable String id) {
            this.nodeId = id;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public ServerConfig build() {
            return new ServerConfig(host, port, transport, ioThreads, shutdownTimeout, nodeId);
        }
    }
}
