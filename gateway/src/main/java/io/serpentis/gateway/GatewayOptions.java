package io.serpentis.gateway;

import io.serpentis.gateway.config.FeedConfig;
import io.serpentis.gateway.config.FleetConfig;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.config.HttpConfig;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.config.OperationsConfig;
import io.serpentis.gateway.config.ParsingConverter;
import io.serpentis.gateway.config.RedisConfig;
import io.serpentis.gateway.config.RegistryConfig;
import io.serpentis.gateway.config.ServerConfig;
import io.serpentis.gateway.config.WsConfig;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@link GatewayCommand}'s options by subject, each a picocli mixin that builds its own configuration record: the
 * server, WebSocket, limits, registry, HTTP, dashboard feed, Redis and fleet settings. Each field starts at its
 * record's default ({@code defaults()}); the security options are in {@link SecurityOptions}.
 */
final class GatewayOptions {
    private GatewayOptions() {}

    /** {@link GatewayCommand}'s server options: where to listen, as which node, on which transport. */
    static final class Server {
        private static final ServerConfig DEFAULTS = GatewayConfig.defaults().server();

        @Option(names = "--host", description = "Address to bind; 0.0.0.0 for every interface.")
        String host = DEFAULTS.host();

        @Option(names = "--port", description = "TCP port.")
        int port = DEFAULTS.port();

        @Option(
                names = "--node-id",
                description = "This node's id, kept in every client record it holds; default <host name>:<port>.")
        @Nullable
        String nodeId = DEFAULTS.nodeId();

        @Option(names = "--transport", description = "Socket transport: AUTO (epoll when available), EPOLL or NIO.")
        ServerConfig.Transport transport = DEFAULTS.transport();

        @Option(names = "--io-threads", description = "Event-loop threads; 0 = one per core.")
        int ioThreads = DEFAULTS.ioThreads();

        @Option(names = "--shutdown-timeout", description = "Upper bound of a graceful shutdown (SIGTERM).")
        Duration shutdownTimeout = DEFAULTS.shutdownTimeout();

        /** The server record; {@code hostName} is asked only when no node id was given. */
        ServerConfig config(Supplier<String> hostName) {
            return ServerConfig.builder()
                    .host(host)
                    .port(port)
                    .transport(transport)
                    .ioThreads(ioThreads)
                    .shutdownTimeout(shutdownTimeout)
                    .nodeId(nodeId != null ? nodeId : ServerConfig.defaultNodeId(hostName.get(), port))
                    .build();
        }
    }

    /** {@link GatewayCommand}'s WebSocket options: frame size, liveness and the close handshake's timers. */
    static final class Ws {
        private static final WsConfig DEFAULTS = GatewayConfig.defaults().ws();

        @Option(
                names = "--max-frame-bytes",
                description = "Largest WebSocket frame or message; larger closes with 1009.")
        int maxFrameBytes = DEFAULTS.maxFrameBytes();

        @Option(names = "--ping-interval", description = "Ping a connection quiet for this long.")
        Duration pingInterval = DEFAULTS.pingInterval();

        @Option(
                names = "--liveness-timeout",
                description = "Close (4002) a connection that sent nothing, not even a pong, for this long; its client "
                        + "is marked disconnected as timed out.")
        Duration livenessTimeout = DEFAULTS.livenessTimeout();

        @Option(
                names = "--disconnect-grace",
                description = "After a disconnect command, time the client has to close by itself.")
        Duration disconnectGrace = DEFAULTS.disconnectGrace();

        @Option(
                names = "--close-timeout",
                description = "After the gateway sends a close frame, force-close a peer that does not answer within "
                        + "this time.")
        Duration closeTimeout = DEFAULTS.closeTimeout();

        @Option(
                names = "--reject-log-interval",
                description = "Log refused messages (truncated) at most once per connection per interval.")
        Duration rejectLogInterval = DEFAULTS.rejectLogInterval();

        @Option(names = "--handshake-timeout", description = "Close an upgrade that does not complete in this time.")
        Duration handshakeTimeout = DEFAULTS.handshakeTimeout();

        WsConfig config() {
            return WsConfig.builder()
                    .maxFrameBytes(maxFrameBytes)
                    .handshakeTimeout(handshakeTimeout)
                    .pingInterval(pingInterval)
                    .livenessTimeout(livenessTimeout)
                    .disconnectGrace(disconnectGrace)
                    .closeTimeout(closeTimeout)
                    .rejectLogInterval(rejectLogInterval)
                    .build();
        }
    }

    /** {@link GatewayCommand}'s limits on what one message and one client may carry. */
    static final class Limits {
        private static final LimitsConfig DEFAULTS = GatewayConfig.defaults().limits();

        @Option(names = "--max-client-id-bytes", description = "Longest client_id (UTF-8 bytes).")
        int maxClientIdBytes = DEFAULTS.maxClientIdBytes();

        @Option(names = "--max-attributes-per-message", description = "Most attributes in one status message.")
        int maxAttributesPerMessage = DEFAULTS.maxAttributesPerMessage();

        @Option(names = "--max-attributes-per-client", description = "Most attributes one client may hold.")
        int maxAttributesPerClient = DEFAULTS.maxAttributesPerClient();

        @Option(names = "--max-attribute-name-bytes", description = "Longest attribute name (UTF-8 bytes).")
        int maxAttributeNameBytes = DEFAULTS.maxAttributeNameBytes();

        @Option(names = "--max-value-bytes", description = "Longest attribute value (UTF-8 bytes of its JSON text).")
        int maxValueBytes = DEFAULTS.maxValueBytes();

        @Option(
                names = "--max-client-status-bytes",
                description = "Most bytes of names and values one client may hold.")
        int maxClientStatusBytes = DEFAULTS.maxClientStatusBytes();

        LimitsConfig config() {
            return LimitsConfig.builder()
                    .maxClientIdBytes(maxClientIdBytes)
                    .maxAttributesPerMessage(maxAttributesPerMessage)
                    .maxAttributesPerClient(maxAttributesPerClient)
                    .maxAttributeNameBytes(maxAttributeNameBytes)
                    .maxValueBytes(maxValueBytes)
                    .maxClientStatusBytes(maxClientStatusBytes)
                    .build();
        }
    }

    /** {@link GatewayCommand}'s registry options: how long a departed client's record is kept. */
    static final class Registry {
        private static final RegistryConfig DEFAULTS = GatewayConfig.defaults().registry();

        @Option(names = "--retention", description = "Purge a disconnected client's record this long after it left.")
        Duration retention = DEFAULTS.retention();

        @Option(names = "--purge-interval", description = "How often the purge runs.")
        Duration purgeInterval = DEFAULTS.purgeInterval();

        RegistryConfig config() {
            return new RegistryConfig(retention, purgeInterval);
        }
    }

    /** {@link GatewayCommand}'s HTTP options: how large and how slow a request may be. */
    static final class Http {
        private static final HttpConfig DEFAULTS = GatewayConfig.defaults().http();

        @Option(names = "--http-max-initial-line-bytes", description = "Longest request line; longer gets 414.")
        int httpMaxInitialLineBytes = DEFAULTS.maxInitialLineBytes();

        @Option(names = "--http-max-header-bytes", description = "Largest header block; larger gets 431.")
        int httpMaxHeaderBytes = DEFAULTS.maxHeaderBytes();

        @Option(names = "--http-max-content-bytes", description = "Largest request body; larger gets 413.")
        int httpMaxContentBytes = DEFAULTS.maxContentBytes();

        @Option(names = "--http-idle-timeout", description = "Close an HTTP connection idle for this long.")
        Duration httpIdleTimeout = DEFAULTS.idleTimeout();

        @Option(
                names = "--request-timeout",
                description = "A request or upgrade must arrive complete within this time of its first byte, else 408 "
                        + "and close (slowloris).")
        Duration requestTimeout = DEFAULTS.requestTimeout();

        HttpConfig config() {
            return new HttpConfig(
                    httpMaxInitialLineBytes, httpMaxHeaderBytes, httpMaxContentBytes, httpIdleTimeout, requestTimeout);
        }
    }

    /** {@link GatewayCommand}'s dashboard feed options: delta pacing, viewers and catch-up history. */
    static final class Feed {
        private static final FeedConfig DEFAULTS = GatewayConfig.defaults().feed();

        @Option(
                names = "--feed-interval",
                description = "The dashboard feed sends one delta of the clients that changed at most this often "
                        + "(10ms..1m).")
        Duration feedInterval = DEFAULTS.interval();

        @Option(
                names = "--feed-max-viewers",
                description = "Most dashboard viewers at once; more are closed with 1013.")
        int feedMaxViewers = DEFAULTS.maxViewers();

        @Option(
                names = "--feed-slow-viewer-timeout",
                description = "Close (4003) a dashboard viewer that does not read what it is sent for this long.")
        Duration feedSlowViewerTimeout = DEFAULTS.slowViewerTimeout();

        @Option(
                names = "--feed-history-bytes",
                description = "Bytes of recent deltas kept so that a skipped viewer catches up without a snapshot; 0 = "
                        + "always a snapshot.")
        long feedHistoryBytes = DEFAULTS.historyBytes();

        @Option(
                names = "--history-interval",
                description = "Sample the fleet (connected, disconnected, updates per second) this often for the "
                        + "dashboard's charts, keeping an hour (whole seconds, 1s..5m).")
        Duration historyInterval = DEFAULTS.historyInterval();

        FeedConfig config() {
            return new FeedConfig(
                    DEFAULTS.path(),
                    feedInterval,
                    feedMaxViewers,
                    feedSlowViewerTimeout,
                    feedHistoryBytes,
                    historyInterval);
        }
    }

    /** {@link GatewayCommand}'s Redis options: where the write-behind store is, and how it is written. */
    static final class Redis {
        private static final RedisConfig DEFAULTS = GatewayConfig.defaults().redis();

        @Option(
                names = "--redis-url",
                description = "Keep client records in Redis: redis://[[user:]password@]host[:port][/db], rediss://... "
                        + "(TLS), Sentinel redis-sentinel://[[user:]password@]host:port[,host:port...]#master, or "
                        + "with --redis-cluster seed nodes redis://host:port[,host:port...]. Without it the gateway "
                        + "runs on its embedded in-memory store.")
        @Nullable
        String redisUrl = DEFAULTS.url();

        @Option(
                names = "--redis-cluster",
                arity = "0..1",
                fallbackValue = "true",
                description = "--redis-url names seed nodes of a Redis Cluster (one key per script call, topology "
                        + "refresh on).")
        boolean redisCluster = DEFAULTS.cluster();

        @Option(names = "--redis-flush-interval", description = "Write dirty clients to Redis at least this often.")
        Duration redisFlushInterval = DEFAULTS.flushInterval();

        @Option(
                names = "--redis-batch-size",
                description = "Most clients in one pipelined burst; a full batch is written at once.")
        int redisBatchSize = DEFAULTS.batchSize();

        @Option(
                names = "--redis-command-timeout",
                description = "A Redis command without an answer this long fails; its clients are written again.")
        Duration redisCommandTimeout = DEFAULTS.commandTimeout();

        @Option(
                names = "--redis-reconnect-max-delay",
                description = "Upper bound of the jittered delay between reconnect attempts.")
        Duration redisReconnectMaxDelay = DEFAULTS.reconnectMaxDelay();

        @Option(
                names = "--redis-request-queue-size",
                description = "Most commands queued per Redis connection; beyond it commands fail fast.")
        int redisRequestQueueSize = DEFAULTS.requestQueueSize();

        @Option(
                names = "--redis-ack-mode",
                converter = AckModeConverter.class,
                description = "When a status is acknowledged: immediate (held in memory; a crash loses the write lag) "
                        + "or durable (once Redis holds it; needs --redis-url).")
        RedisConfig.AckMode redisAckMode = DEFAULTS.ackMode();

        @Option(
                names = "--redis-ack-replicas",
                description = "With --redis-ack-mode durable, also wait until this many replicas hold a status (WAIT); "
                        + "not on Redis Cluster.")
        int redisAckReplicas = DEFAULTS.ackReplicas();

        RedisConfig config() {
            return RedisConfig.builder()
                    .url(redisUrl)
                    .cluster(redisCluster)
                    .flushInterval(redisFlushInterval)
                    .batchSize(redisBatchSize)
                    .commandTimeout(redisCommandTimeout)
                    .reconnectMaxDelay(redisReconnectMaxDelay)
                    .requestQueueSize(redisRequestQueueSize)
                    .ackMode(redisAckMode)
                    .ackReplicas(redisAckReplicas)
                    .build();
        }

        static final class AckModeConverter extends ParsingConverter<RedisConfig.AckMode> {
            AckModeConverter() {
                super(RedisConfig.AckMode::parse);
            }
        }
    }

    /** {@link GatewayCommand}'s fleet options: joining the other gateways on the same Redis, leases and reaping. */
    static final class Fleet {
        private static final FleetConfig DEFAULTS = GatewayConfig.defaults().fleet();

        @Option(
                names = "--fleet",
                arity = "0..1",
                fallbackValue = "true",
                description = "With --redis-url, join the fleet of every gateway on that Redis: leases, one owner per "
                        + "client (fenced writes), lost nodes' clients marked offline. false keeps the single-node "
                        + "Redis behaviour.")
        boolean fleet = DEFAULTS.enabled();

        @Option(names = "--fleet-heartbeat-interval", description = "How often this node renews its lease in Redis.")
        Duration fleetHeartbeatInterval = DEFAULTS.heartbeatInterval();

        @Option(
                names = "--fleet-lease",
                description = "How long a renewal holds; a node silent this long (plus the grace) is declared lost "
                        + "(at least three heartbeat intervals).")
        Duration fleetLease = DEFAULTS.lease();

        @Option(
                names = "--fleet-reap-grace",
                description = "How long after a node's lease ended a survivor declares it lost and marks its clients "
                        + "offline.")
        Duration fleetReapGrace = DEFAULTS.reapGrace();

        @Option(
                names = "--fleet-publish-interval",
                description = "How often a node publishes its changed clients to its peers.")
        Duration fleetPublishInterval = DEFAULTS.publishInterval();

        @Option(
                names = "--fleet-isolation",
                converter = IsolationConverter.class,
                description = "A node cut off from Redis while a peer is healthy: close (every client socket closed "
                        + "with 1012, clients reconnect elsewhere) or keep (serve on; the fleet shows them lost until "
                        + "Redis returns).")
        FleetConfig.Isolation fleetIsolation = DEFAULTS.isolation();

        @Option(
                names = "--fleet-advertise-url",
                description = "This node's HTTP address as its peers reach it (http://host:port); default "
                        + "http://<host>:<port>, with the machine's host name when binding every interface.")
        @Nullable
        String fleetAdvertiseUrl = DEFAULTS.advertiseUrl();

        FleetConfig config() {
            return FleetConfig.builder()
                    .enabled(fleet)
                    .heartbeatInterval(fleetHeartbeatInterval)
                    .lease(fleetLease)
                    .reapGrace(fleetReapGrace)
                    .publishInterval(fleetPublishInterval)
                    .isolation(fleetIsolation)
                    .advertiseUrl(fleetAdvertiseUrl)
                    .build();
        }

        /** Reads {@code --fleet-isolation} as {@code close} or {@code keep}. */
        static final class IsolationConverter extends ParsingConverter<FleetConfig.Isolation> {
            IsolationConverter() {
                super(FleetConfig.Isolation::parse);
            }
        }
    }

    /** {@link GatewayCommand}'s operator options: command receipts and the audit trail. */
    static final class Operations {
        private static final OperationsConfig DEFAULTS =
                GatewayConfig.defaults().operations();

        @Option(
                names = "--command-receipts-max",
                description = "Most command receipts kept in memory without Redis; the oldest is evicted first.")
        int commandReceiptsMax = DEFAULTS.receiptsMax();

        @Option(names = "--command-receipt-retention", description = "How long a command receipt is kept in Redis.")
        Duration commandReceiptRetention = DEFAULTS.receiptRetention();

        @Option(
                names = "--command-ack-timeout",
                description =
                        "A delivered command its client does not acknowledge within this time fails " + "(timed_out).")
        Duration commandAckTimeout = DEFAULTS.ackTimeout();

        @Option(
                names = "--audit-max-entries",
                description = "Most audit entries kept (in Redis, the stream's approximate length).")
        int auditMaxEntries = DEFAULTS.auditMaxEntries();

        OperationsConfig config() {
            return new OperationsConfig(
                    commandReceiptsMax, commandReceiptRetention, commandAckTimeout, auditMaxEntries);
        }
    }
}
