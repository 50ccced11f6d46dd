package io.serpentis.gateway.config;

/**
 * Where {@code GET /metrics} is served.
 *
 * @param port a separate TCP port (on the same address as the gateway) that serves only {@code /metrics} and
 *     {@code /livez}, so that scrapes can be firewalled apart from client traffic ({@code --metrics-port},
 *     {@code GATEWAY_METRICS_PORT}); default 0: no separate listener, {@code /metrics} is served on the main port
 */
public record MetricsConfig(int port) {

    public MetricsConfig {
        Checks.range(port, 0, 65535, "metrics-port");
    }

    /** The default: {@code /metrics} on the main port. */
    public static MetricsConfig defaults() {
        return new MetricsConfig(0);
    }

    /** Whether {@code /metrics} has its own listener. */
    public boolean separatePort() {
        return port != 0;
    }
}
