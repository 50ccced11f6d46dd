package io.serpentis.gateway;

import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.HttpConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.SecurityConfig;
import io.serpentis.gateway.config.ServerConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.logging.LogFormat;
import io.serpentis.gateway.simulate.SimulateCommand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line: every setting as a flag with an environment variable behind it ({@code HOST}, {@code PORT}
 * as the original names them; {@code GATEWAY_*} for the rest). Flags win over the environment, which wins over
 * the defaults. Values are read once into a validated {@link GatewayConfig}; a bad value stops start-up with a
 * message naming the setting.
 */
@Command(
        name = "serpentis-gateway",
        mixinStandardHelpOptions = true,
        versionProvider = GatewayCommand.Version.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 120,
        description = "Collegium Serpentis: a real-time client presence and status gateway.%n"
                + "Every option can also be set with the environment variable named in its description.",
        footer = "%nDurations: 250ms, 10s, 5m, 1h or ISO-8601 (PT10S). Sizes are bytes.",
        subcommands = {SimulateCommand.class, HealthcheckCommand.class})
public final class GatewayCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GatewayCommand.class);

    // ---- server
    @Option(names = "--host", defaultValue = "${env:HOST:-127.0.0.1}",
            description = "Address to bind; 0.0.0.0 for every interface. Env: HOST.")
    String host;

    @Option(names = "--port", defaultValue = "${env:PORT:-8000}", description = "TCP port. Env: PORT.")
    int port;

    @Option(names = "--node-id", defaultValue = "${env:GATEWAY_NODE_ID}",
            description = "This node's id, kept in every client record it holds; default <host name>:<port>. "
                    + "Env: GATEWAY_NODE_ID.")
    String nodeId;

    @Option(names = "--transport", defaultValue = "${env:GATEWAY_TRANSPORT:-AUTO}",
            description = "Socket transport: ${COMPLETION-CANDIDATES} (AUTO = epoll when available). "
                    + "Env: GATEWAY_TRANSPORT.")
    ServerConfig.Transport transport;

    @Option(names = "--io-threads", defaultValue = "${env:GATEWAY_IO_THREADS:-0}",
            description = "Event-loop threads; 0 = one per core. Env: GATEWAY_IO_THREADS.")
    int ioThreads;

    @Option(names = "--shutdown-timeout", defaultValue = "${env:GATEWAY_SHUTDOWN_TIMEOUT:-10s}",
            converter = DurationConverter.class,
            description = "Upper bound of a graceful shutdown (SIGTERM). Env: GATEWAY_SHUTDOWN_TIMEOUT.")
    Duration shutdownTimeout;

    // ---- WebSocket
    @Option(names = "--max-frame-bytes", defaultValue = "${env:GATEWAY_MAX_FRAME_BYTES:-65536}",
            description = "Largest WebSocket frame or message; larger closes with 1009. Env: GATEWAY_MAX_FRAME_BYTES.")
    int maxFrameBytes;

    @Option(names = "--ping-interval", defaultValue = "${env:GATEWAY_PING_INTERVAL:-10s}",
            converter = DurationConverter.class,
            description = "Ping a connection quiet for this long. Env: GATEWAY_PING_INTERVAL.")
    Duration pingInterval;

    @Option(names = "--liveness-timeout", defaultValue = "${env:GATEWAY_LIVENESS_TIMEOUT:-30s}",
            converter = DurationConverter.class,
            description = "Close (4002) a connection that sent nothing, not even a pong, for this long; its client "
                    + "is marked disconnected as timed out. Env: GATEWAY_LIVENESS_TIMEOUT.")
    Duration livenessTimeout;

    @Option(names = "--disconnect-grace", defaultValue = "${env:GATEWAY_DISCONNECT_GRACE:-1s}",
            converter = DurationConverter.class,
            description = "After a disconnect command, time the client has to close by itself. "
                    + "Env: GATEWAY_DISCONNECT_GRACE.")
    Duration disconnectGrace;

    @Option(names = "--close-timeout", defaultValue = "${env:GATEWAY_CLOSE_TIMEOUT:-3s}",
            converter = DurationConverter.class,
            description = "After the gateway sends a close frame, force-close a peer that does not answer within "
                    + "this time. Env: GATEWAY_CLOSE_TIMEOUT.")
    Duration closeTimeout;

    @Option(names = "--reject-log-interval", defaultValue = "${env:GATEWAY_REJECT_LOG_INTERVAL:-10s}",
            converter = DurationConverter.class,
            description = "Log refused messages (truncated) at most once per connection per interval. "
                    + "Env: GATEWAY_REJECT_LOG_INTERVAL.")
    Duration rejectLogInterval;

    @Option(names = "--handshake-timeout", defaultValue = "${env:GATEWAY_HANDSHAKE_TIMEOUT:-10s}",
            converter = DurationConverter.class,
            description = "Close an upgrade that does not complete in this time. Env: GATEWAY_HANDSHAKE_TIMEOUT.")
    Duration handshakeTimeout;

    // ---- limits
    @Option(names = "--max-client-id-bytes", defaultValue = "${env:GATEWAY_MAX_CLIENT_ID_BYTES:-128}",
            description = "Longest client_id (UTF-8 bytes). Env: GATEWAY_MAX_CLIENT_ID_BYTES.")
    int maxClientIdBytes;

    @Option(names = "--max-attributes-per-message",
            defaultValue = "${env:GATEWAY_MAX_ATTRIBUTES_PER_MESSAGE:-128}",
            description = "Most attributes in one status message. Env: GATEWAY_MAX_ATTRIBUTES_PER_MESSAGE.")
    int maxAttributesPerMessage;

    @Option(names = "--max-attributes-per-client", defaultValue = "${env:GATEWAY_MAX_ATTRIBUTES_PER_CLIENT:-256}",
            description = "Most attributes one client may hold. Env: GATEWAY_MAX_ATTRIBUTES_PER_CLIENT.")
    int maxAttributesPerClient;

    @Option(names = "--max-attribute-name-bytes", defaultValue = "${env:GATEWAY_MAX_ATTRIBUTE_NAME_BYTES:-128}",
            description = "Longest attribute name (UTF-8 bytes). Env: GATEWAY_MAX_ATTRIBUTE_NAME_BYTES.")
    int maxAttributeNameBytes;

    @Option(names = "--max-value-bytes", defaultValue = "${env:GATEWAY_MAX_VALUE_BYTES:-8192}",
            description = "Longest attribute value (UTF-8 bytes of its JSON text). Env: GATEWAY_MAX_VALUE_BYTES.")
    int maxValueBytes;

    @Option(names = "--max-client-status-bytes", defaultValue = "${env:GATEWAY_MAX_CLIENT_STATUS_BYTES:-65536}",
            description = "Most bytes of names and values one client may hold. Env: GATEWAY_MAX_CLIENT_STATUS_BYTES.")
    int maxClientStatusBytes;

    // ---- registry
    @Option(names = "--retention", defaultValue = "${env:GATEWAY_RETENTION:-60s}",
            converter = DurationConverter.class,
            description = "Purge a disconnected client's record this long after it left. Env: GATEWAY_RETENTION.")
    Duration retention;

    @Option(names = "--purge-interval", defaultValue = "${env:GATEWAY_PURGE_INTERVAL:-5s}",
            converter = DurationConverter.class,
            description = "How often the purge runs. Env: GATEWAY_PURGE_INTERVAL.")
    Duration purgeInterval;

    // ---- HTTP
    @Option(names = "--http-max-initial-line-bytes",
            defaultValue = "${env:GATEWAY_HTTP_MAX_INITIAL_LINE_BYTES:-4096}",
            description = "Longest request line; longer gets 414. Env: GATEWAY_HTTP_MAX_INITIAL_LINE_BYTES.")
    int httpMaxInitialLineBytes;

    @Option(names = "--http-max-header-bytes", defaultValue = "${env:GATEWAY_HTTP_MAX_HEADER_BYTES:-8192}",
            description = "Largest header block; larger gets 431. Env: GATEWAY_HTTP_MAX_HEADER_BYTES.")
    int httpMaxHeaderBytes;

    @Option(names = "--http-max-content-bytes", defaultValue = "${env:GATEWAY_HTTP_MAX_CONTENT_BYTES:-65536}",
            description = "Largest request body; larger gets 413. Env: GATEWAY_HTTP_MAX_CONTENT_BYTES.")
    int httpMaxContentBytes;

    @Option(names = "--http-idle-timeout", defaultValue = "${env:GATEWAY_HTTP_IDLE_TIMEOUT:-60s}",
            converter = DurationConverter.class,
            description = "Close an HTTP connection idle for this long. Env: GATEWAY_HTTP_IDLE_TIMEOUT.")
    Duration httpIdleTimeout;

    @Option(names = "--request-timeout", defaultValue = "${env:GATEWAY_REQUEST_TIMEOUT:-10s}",
            converter = DurationConverter.class,
            description = "A request or upgrade must arrive complete within this time of its first byte, else 408 "
                    + "and close (slowloris). Env: GATEWAY_REQUEST_TIMEOUT.")
    Duration requestTimeout;

    // ---- Redis
    @Option(names = "--redis-url", defaultValue = "${env:REDIS_URL}",
            description = "Keep client records in Redis: redis://[[user]:password@]host[:port][/db] or rediss://... "
                    + "(TLS). Without it the gateway runs on its embedded in-memory store. Env: REDIS_URL.")
    String redisUrl;

    @Option(names = "--redis-flush-interval", defaultValue = "${env:GATEWAY_REDIS_FLUSH_INTERVAL:-5ms}",
            converter = DurationConverter.class,
            description = "Write dirty clients to Redis at least this often. Env: GATEWAY_REDIS_FLUSH_INTERVAL.")
    Duration redisFlushInterval;

    @Option(names = "--redis-batch-size", defaultValue = "${env:GATEWAY_REDIS_BATCH_SIZE:-512}",
            description = "Most clients in one pipelined burst; a full batch is written at once. "
                    + "Env: GATEWAY_REDIS_BATCH_SIZE.")
    int redisBatchSize;

    @Option(names = "--redis-command-timeout", defaultValue = "${env:GATEWAY_REDIS_COMMAND_TIMEOUT:-2s}",
            converter = DurationConverter.class,
            description = "A Redis command without an answer this long fails; its clients are written again. "
                    + "Env: GATEWAY_REDIS_COMMAND_TIMEOUT.")
    Duration redisCommandTimeout;

    @Option(names = "--redis-reconnect-max-delay", defaultValue = "${env:GATEWAY_REDIS_RECONNECT_MAX_DELAY:-5s}",
            converter = DurationConverter.class,
            description = "Upper bound of the jittered delay between reconnect attempts. "
                    + "Env: GATEWAY_REDIS_RECONNECT_MAX_DELAY.")
    Duration redisReconnectMaxDelay;

    @Option(names = "--redis-request-queue-size", defaultValue = "${env:GATEWAY_REDIS_REQUEST_QUEUE_SIZE:-10000}",
            description = "Most commands queued per Redis connection; beyond it commands fail fast. "
                    + "Env: GATEWAY_REDIS_REQUEST_QUEUE_SIZE.")
    int redisRequestQueueSize;

    // ---- security
    @Option(names = "--admin-token", defaultValue = "${env:GATEWAY_ADMIN_TOKEN}",
            description = "Bearer token for the admin routes (/statuses, POST /clients/...) and for /metrics on the "
                    + "main port; at least 16 characters. Without one, admin routes answer loopback peers only. "
                    + "Prefer the environment variable: flags show in process lists. Env: GATEWAY_ADMIN_TOKEN.")
    String adminToken;

    @Option(names = "--allowed-origins", split = ",", defaultValue = "${env:GATEWAY_ALLOWED_ORIGINS}",
            description = "Comma-separated browser origins (https://host[:port]) allowed to open WebSockets and "
                    + "send admin requests; * for any. Without it: WebSockets from any origin, admin requests from "
                    + "the gateway's own origin only. Env: GATEWAY_ALLOWED_ORIGINS.")
    List<String> allowedOrigins;

    @Option(names = "--allowed-hosts", split = ",", defaultValue = "${env:GATEWAY_ALLOWED_HOSTS}",
            description = "Comma-separated host names (no port) served besides IP literals, localhost and "
                    + "*.localhost, which always are; a request naming another host in its Host header gets 421 "
                    + "(DNS rebinding). * serves any name (unsafe). Env: GATEWAY_ALLOWED_HOSTS.")
    List<String> allowedHosts;

    // ---- dashboard feed
    @Option(names = "--feed-interval", defaultValue = "${env:GATEWAY_FEED_INTERVAL:-250ms}",
            converter = DurationConverter.class,
            description = "The dashboard feed sends one delta of the clients that changed at most this often "
                    + "(10ms..1m). Env: GATEWAY_FEED_INTERVAL.")
    Duration feedInterval;

    @Option(names = "--feed-max-viewers", defaultValue = "${env:GATEWAY_FEED_MAX_VIEWERS:-100}",
            description = "Most dashboard viewers at once; more are closed with 1013. Env: GATEWAY_FEED_MAX_VIEWERS.")
    int feedMaxViewers;

    @Option(names = "--feed-slow-viewer-timeout", defaultValue = "${env:GATEWAY_FEED_SLOW_VIEWER_TIMEOUT:-10s}",
            converter = DurationConverter.class,
            description = "Close (4003) a dashboard viewer that does not read what it is sent for this long. "
                    + "Env: GATEWAY_FEED_SLOW_VIEWER_TIMEOUT.")
    Duration feedSlowViewerTimeout;

    @Option(names = "--feed-history-bytes", defaultValue = "${env:GATEWAY_FEED_HISTORY_BYTES:-8388608}",
            description = "Bytes of recent deltas kept so that a skipped viewer catches up without a snapshot; 0 = "
                    + "always a snapshot. Env: GATEWAY_FEED_HISTORY_BYTES.")
    long feedHistoryBytes;

    // ---- operations
    @Option(names = "--metrics-port", defaultValue = "${env:GATEWAY_METRICS_PORT:-0}",
            description = "Serve /metrics (and /livez) on this separate port instead of the main one; 0 = on the "
                    + "main port. Env: GATEWAY_METRICS_PORT.")
    int metricsPort;

    @Option(names = "--log-format", defaultValue = "${env:GATEWAY_LOG_FORMAT:-text}",
            converter = LogFormat.Converter.class,
            description = "Log lines as readable text (text) or as one JSON object per line (json). "
                    + "Env: GATEWAY_LOG_FORMAT.")
    LogFormat logFormat;

    @Option(names = "--client-auth", defaultValue = "${env:GATEWAY_CLIENT_AUTH:-none}",
            converter = ClientAuthModeConverter.class,
            description = "How WebSocket clients authenticate at the upgrade: none, shared-secret (--client-token) or "
                    + "jwt (HS256, sub = client_id, exp required; --jwt-secret). Env: GATEWAY_CLIENT_AUTH.")
    ClientAuthConfig.Mode clientAuth;

    @Option(names = "--client-token", defaultValue = "${env:GATEWAY_CLIENT_TOKEN}",
            description = "The shared client token (at least 16 characters) for --client-auth shared-secret. Prefer "
                    + "the environment variable. Never logged. Env: GATEWAY_CLIENT_TOKEN.")
    String clientToken;

    @Option(names = "--jwt-secret", defaultValue = "${env:GATEWAY_JWT_SECRET}",
            description = "The HS256 key (at least 32 bytes) for --client-auth jwt. Prefer the environment variable. "
                    + "Never logged. Env: GATEWAY_JWT_SECRET.")
    String jwtSecret;

    @Option(names = "--jwt-clock-skew", defaultValue = "${env:GATEWAY_JWT_CLOCK_SKEW:-30s}",
            converter = DurationConverter.class,
            description = "Clock skew tolerated when checking a JWT's exp and nbf. Env: GATEWAY_JWT_CLOCK_SKEW.")
    Duration jwtClockSkew;

    // ---- connection and rate limits
    @Option(names = "--max-connections", defaultValue = "${env:GATEWAY_MAX_CONNECTIONS:-100000}",
            description = "Most WebSocket connections at once; further upgrades get 503 (sockets beyond it plus a "
                    + "margin are closed at accept). Env: GATEWAY_MAX_CONNECTIONS.")
    int maxConnections;

    @Option(names = "--max-connections-per-address",
            defaultValue = "${env:GATEWAY_MAX_CONNECTIONS_PER_ADDRESS:-1000}",
            description = "Most sockets (HTTP and WebSocket, counted from accept) open at once from one address "
                    + "(IPv4, or IPv6 /64); 429 at accept beyond; 0 = no limit. "
                    + "Env: GATEWAY_MAX_CONNECTIONS_PER_ADDRESS.")
    int maxConnectionsPerAddress;

    @Option(names = "--connection-rate-per-address",
            defaultValue = "${env:GATEWAY_CONNECTION_RATE_PER_ADDRESS:-50}",
            description = "New sockets (HTTP and WebSocket) per second one address may open on average; 429 at "
                    + "accept beyond; 0 = no limit. Env: GATEWAY_CONNECTION_RATE_PER_ADDRESS.")
    int connectionRatePerAddress;

    @Option(names = "--connection-burst-per-address",
            defaultValue = "${env:GATEWAY_CONNECTION_BURST_PER_ADDRESS:-500}",
            description = "New connections one address may open at once before the rate applies. "
                    + "Env: GATEWAY_CONNECTION_BURST_PER_ADDRESS.")
    int connectionBurstPerAddress;

    @Option(names = "--limit-loopback", arity = "0..1", fallbackValue = "true",
            defaultValue = "${env:GATEWAY_LIMIT_LOOPBACK:-false}",
            description = "Apply the per-address limits to loopback peers too (off: a local proxy, the load "
                    + "generator and local tools are not one client). Env: GATEWAY_LIMIT_LOOPBACK.")
    boolean limitLoopback;

    @Option(names = "--message-rate", defaultValue = "${env:GATEWAY_MESSAGE_RATE:-10000}",
            description = "Messages per second one connection may send on average; over it: {\"error\": ...}, "
                    + "nothing stored; 0 = no limit. Env: GATEWAY_MESSAGE_RATE.")
    int messageRate;

    @Option(names = "--message-burst", defaultValue = "${env:GATEWAY_MESSAGE_BURST:-10000}",
            description = "Messages one connection may send at once before the rate applies. "
                    + "Env: GATEWAY_MESSAGE_BURST.")
    int messageBurst;

    @Option(names = "--rate-limit-close-after", defaultValue = "${env:GATEWAY_RATE_LIMIT_CLOSE_AFTER:-10s}",
            converter = DurationConverter.class,
            description = "Close (1008) a connection whose messages keep being refused for this long; 0 = never "
                    + "close. Env: GATEWAY_RATE_LIMIT_CLOSE_AFTER.")
    Duration rateLimitCloseAfter;

    @Option(names = "--slow-consumer-timeout", defaultValue = "${env:GATEWAY_SLOW_CONSUMER_TIMEOUT:-15s}",
            converter = DurationConverter.class,
            description = "Close (1008) a WebSocket connection that leaves its replies unread this long. "
                    + "Env: GATEWAY_SLOW_CONSUMER_TIMEOUT.")
    Duration slowConsumerTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Builds the validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
    GatewayConfig toConfig() {
        return new GatewayConfig(
                new ServerConfig(host, port, transport, ioThreads, shutdownTimeout, nodeId),
                new HttpConfig(httpMaxInitialLineBytes, httpMaxHeaderBytes, httpMaxContentBytes, httpIdleTimeout,
                        requestTimeout),
                new WsConfig(WsConfig.defaults().path(), maxFrameBytes, handshakeTimeout, pingInterval,
                        livenessTimeout, disconnectGrace, closeTimeout, rejectLogInterval),
                new LimitsConfig(maxClientIdBytes, maxAttributesPerMessage, maxAttributesPerClient,
                        maxAttributeNameBytes, maxValueBytes, maxClientStatusBytes),
                new RegistryConfig(retention, purgeInterval),
                new SecurityConfig(adminToken, allowedOrigins == null ? List.of() : allowedOrigins,
                        allowedHosts == null ? List.of() : allowedHosts,
                        new ClientAuthConfig(clientAuth, clientToken, jwtSecret, jwtClockSkew),
                        new ConnectionLimitsConfig(maxConnections, maxConnectionsPerAddress, connectionRatePerAddress,
                                connectionBurstPerAddress, limitLoopback, messageRate, messageBurst,
                                rateLimitCloseAfter, slowConsumerTimeout)),
                new RedisConfig(redisUrl, redisFlushInterval, redisBatchSize, redisCommandTimeout,
                        redisReconnectMaxDelay, redisRequestQueueSize),
                new FeedConfig(FeedConfig.defaults().path(), feedInterval, feedMaxViewers, feedSlowViewerTimeout,
                        feedHistoryBytes),
                new MetricsConfig(metricsPort));
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        GatewayConfig config;
        try {
            config = toConfig();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        log.info("Effective configuration: {}", config);
        GatewayServer server = new GatewayServer(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutting down");
            server.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            log.error("Cannot start: {}", e.toString());
            server.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /** Reads {@code --client-auth} as {@code none}, {@code shared-secret} or {@code jwt}. */
    static final class ClientAuthModeConverter implements CommandLine.ITypeConverter<ClientAuthConfig.Mode> {
        @Override
        public ClientAuthConfig.Mode convert(String value) {
            try {
                return ClientAuthConfig.Mode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Prints the build version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = GatewayCommand.class.getPackage().getImplementationVersion();
            return new String[] {"serpentis-gateway " + (v != null ? v : "(development build)")};
        }
    }
}
