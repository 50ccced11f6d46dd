package io.serpentis.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The gateway's whole configuration: an immutable tree of validated records, read once at start-up by
 * {@code GatewayCommand} from flags and environment variables. Tests start from {@link #defaults()} and change
 * what they need with the {@code withXxx} copies.
 *
 * @param server where and how to listen
 * @param http limits of the HTTP side
 * @param ws the WebSocket endpoint and its timers
 * @param limits what a client may store
 * @param registry how long departed clients are remembered
 * @param security admin access and allowed browser origins
 * @param redis Redis persistence (absent: the embedded store)
 * @param feed the live dashboard feed
 * @param metrics where {@code /metrics} is served
 * @param fleet membership of the fleet of gateways on one Redis deployment (with {@code redis} only)
 * @param operations command receipts and the audit trail
 */
public record GatewayConfig(
        ServerConfig server,
        HttpConfig http,
        WsConfig ws,
        LimitsConfig limits,
        RegistryConfig registry,
        SecurityConfig security,
        RedisConfig redis,
        FeedConfig feed,
        MetricsConfig metrics,
        FleetConfig fleet,
        OperationsConfig operations) {

    public GatewayConfig {
        Checks.notNull(server, "server");
        Checks.notNull(http, "http");
        Checks.notNull(ws, "ws");
        Checks.notNull(limits, "limits");
        Checks.notNull(registry, "registry");
        Checks.notNull(security, "security");
        Checks.notNull(redis, "redis");
        Checks.notNull(feed, "feed");
        if (feed.path().equals(ws.path())) {
            throw new IllegalArgumentException("feed-path must differ from ws-path, both were " + ws.path());
        }
        Checks.notNull(metrics, "metrics");
        Checks.notNull(fleet, "fleet");
        Checks.notNull(operations, "operations");
        if (metrics.separatePort() && metrics.port() == server.port()) {
            throw new IllegalArgumentException("metrics-port (" + metrics.port() + ") must differ from port ("
                    + server.port() + "); 0 serves /metrics on the main port");
        }
        if (limits.maxAttributesPerMessage() > limits.maxAttributesPerClient()) {
            throw new IllegalArgumentException("max-attributes-per-message (" + limits.maxAttributesPerMessage()
                    + ") must not exceed max-attributes-per-client (" + limits.maxAttributesPerClient() + ")");
        }
    }

    /** Every setting at its documented default. */
    public static GatewayConfig defaults() {
        return new GatewayConfig(
                ServerConfig.defaults(),
                HttpConfig.defaults(),
                WsConfig.defaults(),
                LimitsConfig.defaults(),
                RegistryConfig.defaults(),
                SecurityConfig.defaults(),
                RedisConfig.defaults(),
                FeedConfig.defaults(),
                MetricsConfig.defaults(),
                FleetConfig.defaults(),
                OperationsConfig.defaults());
    }

    public GatewayConfig withServer(UnaryOperator<ServerConfig> change) {
        return new GatewayConfig(
                change.apply(server), http, ws, limits, registry, security, redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withHttp(UnaryOperator<HttpConfig> change) {
        return new GatewayConfig(
                server, change.apply(http), ws, limits, registry, security, redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withWs(UnaryOperator<WsConfig> change) {
        return new GatewayConfig(
                server, http, change.apply(ws), limits, registry, security, redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withLimits(UnaryOperator<LimitsConfig> change) {
        return new GatewayConfig(
                server, http, ws, change.apply(limits), registry, security, redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withRegistry(UnaryOperator<RegistryConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, change.apply(registry), security, redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withSecurity(UnaryOperator<SecurityConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, change.apply(security), redis, feed, metrics, fleet, operations);
    }

    public GatewayConfig withRedis(UnaryOperator<RedisConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, security, change.apply(redis), feed, metrics, fleet, operations);
    }

    public GatewayConfig withFeed(UnaryOperator<FeedConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, security, redis, change.apply(feed), metrics, fleet, operations);
    }

    public GatewayConfig withFleet(UnaryOperator<FleetConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, security, redis, feed, metrics, change.apply(fleet), operations);
    }

    /** Whether this node is a fleet member: Redis configured and {@code --fleet} on. */
    public boolean fleetMember() {
        return redis.enabled() && fleet.enabled();
    }

    /**
     * Settings that are valid but probably not what the operator meant, each as one sentence for the start-up log.
     * One today: a fleet lease (plus the reap grace) that is not well below the retention. A lost node's clients
     * are marked offline at their last sign of life, which is then at least a lease and a grace old, and purged a
     * retention after it: with a lease of half the retention or more, they show as gone for half the retention or
     * less, and not at all once the lease reaches it.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>(0);
        Duration lost = fleet.lease().plus(fleet.reapGrace());
        if (fleetMember() && lost.multipliedBy(2).compareTo(registry.retention()) >= 0) {
            Duration shown = registry.retention().minus(lost);
            out.add("fleet-lease (" + DurationConverter.format(fleet.lease()) + ") plus fleet-reap-grace ("
                    + DurationConverter.format(fleet.reapGrace()) + ") is not well below retention ("
                    + DurationConverter.format(registry.retention()) + "): a lost node's clients will show as gone "
                    + (shown.isNegative() || shown.isZero()
                            ? "not at all (purged the moment they are marked offline)"
                            : "for at most " + DurationConverter.format(shown))
                    + "; keep the retention several times the lease");
        }
        return out;
    }

    public GatewayConfig withMetrics(UnaryOperator<MetricsConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, security, redis, feed, change.apply(metrics), fleet, operations);
    }

    public GatewayConfig withOperations(UnaryOperator<OperationsConfig> change) {
        return new GatewayConfig(
                server, http, ws, limits, registry, security, redis, feed, metrics, fleet, change.apply(operations));
    }
}
