package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.serpentis.gateway.config.WsConfig;
import io.serpentis.gateway.registry.ClientRegistry;
import java.time.Duration;

/**
 * The gateway's own binders, one per subject, bound together to one registry: {@link #ws()} for the status
 * protocol, {@link #feed()} for the dashboard feed, {@link #security()} for the access and abuse defences and
 * {@link #connections()} for what every connection shares; {@link #bindClients} adds the registry's gauges once
 * there is a registry. (Redis has its own binder, {@link RedisMetrics}, registered only when Redis is configured.)
 * Names live in {@link GatewayMeters}. Each component is handed the binder of its subject, as a Micrometer binder
 * or through the recorder interface its package defines. Thread-safe.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final WsMetrics ws;
    private final FeedMetrics feed = new FeedMetrics();
    private final SecurityMetrics security = new SecurityMetrics();
    private final ConnectionMetrics connections = new ConnectionMetrics();

    /** Meters on {@code registry}, with the liveness histogram laid out for the default liveness timeout. */
    public GatewayMetrics(MeterRegistry registry) {
        this(registry, WsConfig.defaults().livenessTimeout());
    }

    /**
     * Binds every binder of the gateway (the Redis one aside) to {@code registry}; configure its filters first
     * ({@link MeterFilters#configure}).
     *
     * @param livenessTimeout the configured liveness timeout; the detection histogram's buckets sit just above it
     */
    public GatewayMetrics(MeterRegistry registry, Duration livenessTimeout) {
        this.registry = registry;
        this.ws = new WsMetrics(livenessTimeout);
        ws.bindTo(registry);
        feed.bindTo(registry);
        security.bindTo(registry);
        connections.bindTo(registry);
    }

    /** Binds the gauges of clients by state, read from {@code clients} at scrape time. */
    public void bindClients(ClientRegistry clients) {
        new ClientMetrics(clients).bindTo(registry);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The status protocol's meters. */
    public WsMetrics ws() {
        return ws;
    }

    /** The dashboard feed's meters. */
    public FeedMetrics feed() {
        return feed;
    }

    /** The access and abuse defences' refusals. */
    public SecurityMetrics security() {
        return security;
    }

    /** Bytes on the wire, failed accepts and HTTP connection errors. */
    public ConnectionMetrics connections() {
        return connections;
    }
}
