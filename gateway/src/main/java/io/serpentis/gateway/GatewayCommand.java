package io.serpentis.gateway;

import static java.util.Objects.requireNonNullElse;

import io.serpentis.gateway.config.ClientAuthConfig;
import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.config.DurationConverter;
import io.serpentis.gateway.config.EnvironmentDefaults;
import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.FleetConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.HttpConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.MetricsConfig;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.SecurityConfig;
import io.serpentis.gateway.config.ServerConfig;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.fleet.FleetJoinException;
import io.serpentis.gateway.logging.LogFormatOption;
import io.serpentis.gateway.simulate.SimulateCommand;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The command line: every setting as a flag with an environment variable behind it ({@code HOST}, {@code PORT},
 * {@code REDIS_URL} as the original names them; {@code GATEWAY_<OPTION>} for the rest). Flags win over the
 * environment, which wins over the defaults. Each option's field starts at its record's default, and
 * {@link EnvironmentDefaults} derives its variable from its name, so a default is written only in the record and a
 * variable's name nowhere. Values are read once into a validated {@link GatewayConfig}; a bad value stops start-up
 * with a message naming the setting. This class is the only reader of the environment: {@link GatewayMain} hands it
 * {@link System#getenv()}, and it also looks up the host name for the default node id.
 */
@Command(
        name = "serpentis-gateway",
        versionProvider = GatewayCommand.Version.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 120,
        description = "Collegium Serpentis: a real-time client presence and status gateway.%n"
                + "Every option can also be set with the environment variable named under it.",
        footer = "%nDurations: 250ms, 10s, 5m, 1h or ISO-8601 (PT10S). Sizes are bytes.",
        subcommands = {SimulateCommand.class, HealthcheckCommand.class})
public final class GatewayCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GatewayCommand.class);

    /** The options whose variables keep the original's names instead of {@code GATEWAY_<OPTION>}. */
    static final Map<String, String> ORIGINAL_VARIABLES = Map.of(
            "--host", "HOST",
            "--port", "PORT",
            "--redis-url", "REDIS_URL");

    /** Where every option's default comes from: each field below starts at its record's default. */
    private static final GatewayConfig DEFAULTS = GatewayConfig.defaults();

    // ---- server
    @Option(names = "--host", description = "Address to bind; 0.0.0.0 for every interface.")
    String host = DEFAULTS.server().host();

    @Option(names = "--port", description = "TCP port.")
    int port = DEFAULTS.server().port();

    @Option(
            names = "--node-id",
            description = "This node's id, kept in every client record it holds; default <host name>:<port>.")
    @Nullable
    String nodeId = DEFAULTS.server().nodeId();

    @Option(names = "--transport", description = "Socket transport: AUTO (epoll when available), EPOLL or NIO.")
    ServerConfig.Transport transport = DEFAULTS.server().transport();

    @Option(names = "--io-threads", description = "Event-loop threads; 0 = one per core.")
    int ioThreads = DEFAULTS.server().ioThreads();

    @Option(
            names = "--shutdown-timeout",
            converter = DurationConverter.class,
            description = "Upper bound of a graceful shutdown (SIGTERM).")
    Duration shutdownTimeout = DEFAULTS.server().shutdownTimeout();

    // ---- WebSocket
    @Option(names = "--max-frame-bytes", description = "Largest WebSocket frame or message; larger closes with 1009.")
    int maxFrameBytes = DEFAULTS.ws().maxFrameBytes();

    @Option(
            names = "--ping-interval",
            converter = DurationConverter.class,
            description = "Ping a connection quiet for this long.")
    Duration pingInterval = DEFAULTS.ws().pingInterval();

    @Option(
            names = "--liveness-timeout",
            converter = DurationConverter.class,
            description = "Close (4002) a connection that sent nothing, not even a pong, for this long; its client "
                    + "is marked disconnected as timed out.")
    Duration livenessTimeout = DEFAULTS.ws().livenessTimeout();

    @Option(
            names = "--disconnect-grace",
            converter = DurationConverter.class,
            description = "After a disconnect command, time the client has to close by itself.")
    Duration disconnectGrace = DEFAULTS.ws().disconnectGrace();

    @Option(
            names = "--close-timeout",
            converter = DurationConverter.class,
            description = "After the gateway sends a close frame, force-close a peer that does not answer within "
                    + "this time.")
    Duration closeTimeout = DEFAULTS.ws().closeTimeout();

    @Option(
            names = "--reject-log-interval",
            converter = DurationConverter.class,
            description = "Log refused messages (truncated) at most once per connection per interval.")
    Duration rejectLogInterval = DEFAULTS.ws().rejectLogInterval();

    @Option(
            names = "--handshake-timeout",
            converter = DurationConverter.class,
            description = "Close an upgrade that does not complete in this time.")
    Duration handshakeTimeout = DEFAULTS.ws().handshakeTimeout();

    // ---- limits
    @Option(names = "--max-client-id-bytes", description = "Longest client_id (UTF-8 bytes).")
    int maxClientIdBytes = DEFAULTS.limits().maxClientIdBytes();

    @Option(names = "--max-attributes-per-message", description = "Most attributes in one status message.")
    int maxAttributesPerMessage = DEFAULTS.limits().maxAttributesPerMessage();

    @Option(names = "--max-attributes-per-client", description = "Most attributes one client may hold.")
    int maxAttributesPerClient = DEFAULTS.limits().maxAttributesPerClient();

    @Option(names = "--max-attribute-name-bytes", description = "Longest attribute name (UTF-8 bytes).")
    int maxAttributeNameBytes = DEFAULTS.limits().maxAttributeNameBytes();

    @Option(names = "--max-value-bytes", description = "Longest attribute value (UTF-8 bytes of its JSON text).")
    int maxValueBytes = DEFAULTS.limits().maxValueBytes();

    @Option(names = "--max-client-status-bytes", description = "Most bytes of names and values one client may hold.")
    int maxClientStatusBytes = DEFAULTS.limits().maxClientStatusBytes();

    // ---- registry
    @Option(
            names = "--retention",
            converter = DurationConverter.class,
            description = "Purge a disconnected client's record this long after it left.")
    Duration retention = DEFAULTS.registry().retention();

    @Option(names = "--purge-interval", converter = DurationConverter.class, description = "How often the purge runs.")
    Duration purgeInterval = DEFAULTS.registry().purgeInterval();

    // ---- HTTP
    @Option(names = "--http-max-initial-line-bytes", description = "Longest request line; longer gets 414.")
    int httpMaxInitialLineBytes = DEFAULTS.http().maxInitialLineBytes();

    @Option(names = "--http-max-header-bytes", description = "Largest header block; larger gets 431.")
    int httpMaxHeaderBytes = DEFAULTS.http().maxHeaderBytes();

    @Option(names = "--http-max-content-bytes", description = "Largest request body; larger gets 413.")
    int httpMaxContentBytes = DEFAULTS.http().maxContentBytes();

    @Option(
            names = "--http-idle-timeout",
            converter = DurationConverter.class,
            description = "Close an HTTP connection idle for this long.")
    Duration httpIdleTimeout = DEFAULTS.http().idleTimeout();

    @Option(
            names = "--request-timeout",
            converter = DurationConverter.class,
            description = "A request or upgrade must arrive complete within this time of its first byte, else 408 "
                    + "and close (slowloris).")
    Duration requestTimeout = DEFAULTS.http().requestTimeout();

    // ---- Redis
    @Option(
            names = "--redis-url",
            description = "Keep client records in Redis: redis://[[user:]password@]host[:port][/db], rediss://... "
                    + "(TLS), Sentinel redis-sentinel://[[user:]password@]host:port[,host:port...]#master, or "
                    + "with --redis-cluster seed nodes redis://host:port[,host:port...]. Without it the gateway runs "
                    + "on its embedded in-memory store.")
    @Nullable
    String redisUrl = DEFAULTS.redis().url();

    @Option(
            names = "--redis-cluster",
            arity = "0..1",
            fallbackValue = "true",
            description = "--redis-url names seed nodes of a Redis Cluster (one key per script call, topology "
                    + "refresh on).")
    boolean redisCluster = DEFAULTS.redis().cluster();

    @Option(
            names = "--redis-flush-interval",
            converter = DurationConverter.class,
            description = "Write dirty clients to Redis at least this often.")
    Duration redisFlushInterval = DEFAULTS.redis().flushInterval();

    @Option(
            names = "--redis-batch-size",
            description = "Most clients in one pipelined burst; a full batch is written at once.")
    int redisBatchSize = DEFAULTS.redis().batchSize();

    @Option(
            names = "--redis-command-timeout",
            converter = DurationConverter.class,
            description = "A Redis command without an answer this long fails; its clients are written again.")
    Duration redisCommandTimeout = DEFAULTS.redis().commandTimeout();

    @Option(
            names = "--redis-reconnect-max-delay",
            converter = DurationConverter.class,
            description = "Upper bound of the jittered delay between reconnect attempts.")
    Duration redisReconnectMaxDelay = DEFAULTS.redis().reconnectMaxDelay();

    @Option(
            names = "--redis-request-queue-size",
            description = "Most commands queued per Redis connection; beyond it commands fail fast.")
    int redisRequestQueueSize = DEFAULTS.redis().requestQueueSize();

    // ---- fleet
    @Option(
            names = "--fleet",
            arity = "0..1",
            fallbackValue = "true",
            description = "With --redis-url, join the fleet of every gateway on that Redis: leases, one owner per "
                    + "client (fenced writes), lost nodes' clients marked offline. false keeps the single-node Redis "
                    + "behaviour.")
    boolean fleet = DEFAULTS.fleet().enabled();

    @Option(
            names = "--fleet-heartbeat-interval",
            converter = DurationConverter.class,
            description = "How often this node renews its lease in Redis.")
    Duration fleetHeartbeatInterval = DEFAULTS.fleet().heartbeatInterval();

    @Option(
            names = "--fleet-lease",
            converter = DurationConverter.class,
            description = "How long a renewal holds; a node silent this long (plus the grace) is declared lost "
                    + "(at least three heartbeat intervals).")
    Duration fleetLease = DEFAULTS.fleet().lease();

    @Option(
            names = "--fleet-reap-grace",
            converter = DurationConverter.class,
            description = "How long after a node's lease ended a survivor declares it lost and marks its clients "
                    + "offline.")
    Duration fleetReapGrace = DEFAULTS.fleet().reapGrace();

    @Option(
            names = "--fleet-publish-interval",
            converter = DurationConverter.class,
            description = "How often a node publishes its changed clients to its peers.")
    Duration fleetPublishInterval = DEFAULTS.fleet().publishInterval();

    @Option(
            names = "--fleet-isolation",
            converter = IsolationConverter.class,
            description = "A node cut off from Redis while a peer is healthy: close (every client socket closed "
                    + "with 1012, clients reconnect elsewhere) or keep (serve on; the fleet shows them lost until "
                    + "Redis returns).")
    FleetConfig.Isolation fleetIsolation = DEFAULTS.fleet().isolation();

    @Option(
            names = "--fleet-advertise-url",
            description = "This node's HTTP address as its peers reach it (http://host:port); default "
                    + "http://<host>:<port>, with the machine's host name when binding every interface.")
    @Nullable
    String fleetAdvertiseUrl = DEFAULTS.fleet().advertiseUrl();

    // ---- security
    @Option(
            names = "--admin-token",
            description = "Bearer token for the admin routes (/statuses, POST /clients/...) and for /metrics on the "
                    + "main port; at least 16 characters. Without one, admin routes answer loopback peers only. "
                    + "Prefer the environment variable: flags show in process lists.")
    @Nullable
    String adminToken = DEFAULTS.security().adminToken();

    @Option(
            names = "--allowed-origins",
            split = ",",
            description = "Comma-separated browser origins (https://host[:port]) allowed to open WebSockets and "
                    + "send admin requests; * for any. Without it: WebSockets from any origin, admin requests from "
                    + "the gateway's own origin only.")
    @Nullable
    List<String> allowedOrigins; // null, not the default's empty list, which --help would show as []

    @Option(
            names = "--allowed-hosts",
            split = ",",
            description = "Comma-separated host names (no port) served besides IP literals, localhost and "
                    + "*.localhost, which always are; a request naming another host in its Host header gets 421 "
                    + "(DNS rebinding). * serves any name (unsafe).")
    @Nullable
    List<String> allowedHosts; // null: the default, as for --allowed-origins

    // ---- dashboard feed
    @Option(
            names = "--feed-interval",
            converter = DurationConverter.class,
            description = "The dashboard feed sends one delta of the clients that changed at most this often "
                    + "(10ms..1m).")
    Duration feedInterval = DEFAULTS.feed().interval();

    @Option(names = "--feed-max-viewers", description = "Most dashboard viewers at once; more are closed with 1013.")
    int feedMaxViewers = DEFAULTS.feed().maxViewers();

    @Option(
            names = "--feed-slow-viewer-timeout",
            converter = DurationConverter.class,
            description = "Close (4003) a dashboard viewer that does not read what it is sent for this long.")
    Duration feedSlowViewerTimeout = DEFAULTS.feed().slowViewerTimeout();

    @Option(
            names = "--feed-history-bytes",
            description = "Bytes of recent deltas kept so that a skipped viewer catches up without a snapshot; 0 = "
                    + "always a snapshot.")
    long feedHistoryBytes = DEFAULTS.feed().historyBytes();

    // ---- operations
    @Option(
            names = "--metrics-port",
            description = "Serve /metrics (and /livez) on this separate port instead of the main one; 0 = on the "
                    + "main port.")
    int metricsPort = DEFAULTS.metrics().port();

    @Mixin
    LogFormatOption logFormat;

    @Option(
            names = "--client-auth",
            converter = ClientAuthModeConverter.class,
            description = "How WebSocket clients authenticate at the upgrade: none, shared-secret (--client-token) or "
                    + "jwt (HS256, sub = client_id, exp required; --jwt-secret).")
    ClientAuthConfig.Mode clientAuth = DEFAULTS.security().clientAuth().mode();

    @Option(
            names = "--client-token",
            description = "The shared client token (at least 16 characters) for --client-auth shared-secret. Prefer "
                    + "the environment variable. Never logged.")
    @Nullable
    String clientToken = DEFAULTS.security().clientAuth().clientToken();

    @Option(
            names = "--jwt-secret",
            description = "The HS256 key (at least 32 bytes) for --client-auth jwt. Prefer the environment variable. "
                    + "Never logged.")
    @Nullable
    String jwtSecret = DEFAULTS.security().clientAuth().jwtSecret();

    @Option(
            names = "--jwt-clock-skew",
            converter = DurationConverter.class,
            description = "Clock skew tolerated when checking a JWT's exp and nbf.")
    Duration jwtClockSkew = DEFAULTS.security().clientAuth().jwtClockSkew();

    // ---- connection and rate limits
    @Option(
            names = "--max-connections",
            description = "Most WebSocket connections at once; further upgrades get 503 (sockets beyond it plus a "
                    + "margin are closed at accept).")
    int maxConnections = DEFAULTS.security().connections().maxConnections();

    @Option(
            names = "--max-connections-per-address",
            description = "Most sockets (HTTP and WebSocket, counted from accept) open at once from one address "
                    + "(IPv4, or IPv6 /64); 429 at accept beyond; 0 = no limit.")
    int maxConnectionsPerAddress = DEFAULTS.security().connections().maxConnectionsPerAddress();

    @Option(
            names = "--connection-rate-per-address",
            description = "New sockets (HTTP and WebSocket) per second one address may open on average; 429 at "
                    + "accept beyond; 0 = no limit.")
    int connectionRatePerAddress = DEFAULTS.security().connections().connectionRatePerAddress();

    @Option(
            names = "--connection-burst-per-address",
            description = "New connections one address may open at once before the rate applies.")
    int connectionBurstPerAddress = DEFAULTS.security().connections().connectionBurstPerAddress();

    @Option(
            names = "--limit-loopback",
            arity = "0..1",
            fallbackValue = "true",
            description = "Apply the per-address limits to loopback peers too (off: a local proxy, the load "
                    + "generator and local tools are not one client).")
    boolean limitLoopback = DEFAULTS.security().connections().limitLoopback();

    @Option(
            names = "--message-rate",
            description = "Messages per second one connection may send on average; over it: {\"error\": ...}, "
                    + "nothing stored; 0 = no limit.")
    int messageRate = DEFAULTS.security().connections().messageRate();

    @Option(
            names = "--message-burst",
            description = "Messages one connection may send at once before the rate applies.")
    int messageBurst = DEFAULTS.security().connections().messageBurst();

    @Option(
            names = "--rate-limit-close-after",
            converter = DurationConverter.class,
            description =
                    "Close (1008) a connection whose messages keep being refused for this long; 0 = never " + "close.")
    Duration rateLimitCloseAfter = DEFAULTS.security().connections().rateLimitCloseAfter();

    @Option(
            names = "--slow-consumer-timeout",
            converter = DurationConverter.class,
            description = "Close (1008) a WebSocket connection that leaves its replies unread this long.")
    Duration slowConsumerTimeout = DEFAULTS.security().connections().slowConsumerTimeout();

    @Mixin
    EnvironmentDefaults.StandardHelpOptions helpOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> environment;

    private GatewayCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /**
     * The command line of the gateway and its subcommands, reading defaults from {@code environment}
     * ({@link System#getenv()}, or a test's map): {@code --max-frame-bytes} from {@code GATEWAY_MAX_FRAME_BYTES},
     * {@code --host}, {@code --port} and {@code --redis-url} from {@link #ORIGINAL_VARIABLES}.
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine command = new CommandLine(new GatewayCommand(environment));
        new EnvironmentDefaults("GATEWAY_", ORIGINAL_VARIABLES, environment).install(command);
        SimulateCommand.environmentDefaults(environment)
                .install(Objects.requireNonNull(command.getSubcommands().get("simulate")));
        return command;
    }

    /** Builds the validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
    GatewayConfig toConfig() {
        return new GatewayConfig(
                ServerConfig.builder()
                        .host(host)
                        .port(port)
                        .transport(transport)
                        .ioThreads(ioThreads)
                        .shutdownTimeout(shutdownTimeout)
                        .nodeId(nodeId != null ? nodeId : ServerConfig.defaultNodeId(hostName(), port))
                        .build(),
                new HttpConfig(
                        httpMaxInitialLineBytes,
                        httpMaxHeaderBytes,
                        httpMaxContentBytes,
                        httpIdleTimeout,
                        requestTimeout),
                WsConfig.builder()
                        .maxFrameBytes(maxFrameBytes)
                        .handshakeTimeout(handshakeTimeout)
                        .pingInterval(pingInterval)
                        .livenessTimeout(livenessTimeout)
                        .disconnectGrace(disconnectGrace)
                        .closeTimeout(closeTimeout)
                        .rejectLogInterval(rejectLogInterval)
                        .build(),
                LimitsConfig.builder()
                        .maxClientIdBytes(maxClientIdBytes)
                        .maxAttributesPerMessage(maxAttributesPerMessage)
                        .maxAttributesPerClient(maxAttributesPerClient)
                        .maxAttributeNameBytes(maxAttributeNameBytes)
                        .maxValueBytes(maxValueBytes)
                        .maxClientStatusBytes(maxClientStatusBytes)
                        .build(),
                new RegistryConfig(retention, purgeInterval),
                SecurityConfig.builder()
                        .adminToken(adminToken)
                        .allowedOrigins(requireNonNullElse(
                                allowedOrigins, DEFAULTS.security().allowedOrigins()))
                        .allowedHosts(requireNonNullElse(
                                allowedHosts, DEFAULTS.security().allowedHosts()))
                        .clientAuth(new ClientAuthConfig(clientAuth, clientToken, jwtSecret, jwtClockSkew))
                        .connections(ConnectionLimitsConfig.builder()
                                .maxConnections(maxConnections)
                                .maxConnectionsPerAddress(maxConnectionsPerAddress)
                                .connectionRatePerAddress(connectionRatePerAddress)
                                .connectionBurstPerAddress(connectionBurstPerAddress)
                                .limitLoopback(limitLoopback)
                                .messageRate(messageRate)
                                .messageBurst(messageBurst)
                                .rateLimitCloseAfter(rateLimitCloseAfter)
                                .slowConsumerTimeout(slowConsumerTimeout)
                                .build())
                        .build(),
                RedisConfig.builder()
                        .url(redisUrl)
                        .cluster(redisCluster)
                        .flushInterval(redisFlushInterval)
                        .batchSize(redisBatchSize)
                        .commandTimeout(redisCommandTimeout)
                        .reconnectMaxDelay(redisReconnectMaxDelay)
                        .requestQueueSize(redisRequestQueueSize)
                        .build(),
                new FeedConfig(
                        DEFAULTS.feed().path(), feedInterval, feedMaxViewers, feedSlowViewerTimeout, feedHistoryBytes),
                new MetricsConfig(metricsPort),
                FleetConfig.builder()
                        .enabled(fleet)
                        .heartbeatInterval(fleetHeartbeatInterval)
                        .lease(fleetLease)
                        .reapGrace(fleetReapGrace)
                        .publishInterval(fleetPublishInterval)
                        .isolation(fleetIsolation)
                        .advertiseUrl(fleetAdvertiseUrl)
                        .build());
    }

    /** This machine's name: {@code HOSTNAME} (set in containers), else the name the resolver gives it. */
    private String hostName() {
        String name = environment.get("HOSTNAME");
        if (name != null && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
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
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Shutting down");
                            server.close();
                            stopped.countDown();
                        },
                        "gateway-shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            // A refused join says what to do in its message; anything else is shown with its type.
            log.error("Cannot start: {}", e instanceof FleetJoinException ? e.getMessage() : e.toString());
            server.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /** Reads {@code --fleet-isolation} as {@code close} or {@code keep}. */
    static final class IsolationConverter implements CommandLine.ITypeConverter<FleetConfig.Isolation> {
        @Override
        public FleetConfig.Isolation convert(String value) {
            try {
                return FleetConfig.Isolation.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
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
