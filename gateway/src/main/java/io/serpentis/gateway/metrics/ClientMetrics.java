package io.serpentis.gateway.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.serpentis.gateway.registry.ClientRegistry;

/**
 * The registry's meter: {@code gateway.clients} by {@code state}, read at scrape time from the counters the
 * registry keeps (no scan): {@code connected} to this node, {@code remote} (a fleet member's view: connected to
 * another node), {@code disconnected} (records of clients connected nowhere, until purged). The three add up to
 * the records this node holds. The gauges hold the registry strongly.
 */
public final class ClientMetrics implements MeterBinder {
    private final ClientRegistry clients;

    public ClientMetrics(ClientRegistry clients) {
        this.clients = clients;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(GatewayMeters.CLIENTS.meterName(), clients, ClientRegistry::connectedCount)
                .description(GatewayMeters.CLIENTS.description())
                .baseUnit(GatewayMeters.CLIENTS.baseUnit())
                .tag("state", "connected")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        GatewayMeters.CLIENTS.meterName(),
                        clients,
                        c -> Math.max(0, c.fleetConnectedCount() - c.connectedCount()))
                .description(GatewayMeters.CLIENTS.description())
                .baseUnit(GatewayMeters.CLIENTS.baseUnit())
                .tag("state", "remote")
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.CLIENTS.meterName(), clients, c -> Math.max(0, c.size() - c.fleetConnectedCount()))
                .description(GatewayMeters.CLIENTS.description())
                .baseUnit(GatewayMeters.CLIENTS.baseUnit())
                .tag("state", "disconnected")
                .strongReference(true)
                .register(registry);
    }
}
