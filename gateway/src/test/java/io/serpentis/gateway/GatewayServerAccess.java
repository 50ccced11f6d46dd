package io.serpentis.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.http.HttpResponses;
import io.serpentis.gateway.http.HttpRouter;
import io.serpentis.gateway.http.StaticAssets;
import io.serpentis.gateway.metrics.GatewayMetrics;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.security.ConnectionLimiter;
import io.serpentis.gateway.store.StatusStore;

/** Test access to the package-private parts of {@link GatewayServer}. */
public final class GatewayServerAccess {
    /** Loaded once: immutable, and loading the docs pages' webjars takes a while. */
    private static final StaticAssets ASSETS = GatewayServer.staticAssets(GatewayServerAccess.class.getClassLoader());

    private GatewayServerAccess() {}

    /**
     * The main port's route table as {@link GatewayServer#start()} builds it, over the given registry and store;
     * work the routes offload runs in place (on the caller, the channel's thread), and {@code /metrics} scrapes a
     * registry of its own.
     */
    public static HttpRouter routes(GatewayConfig config, HttpResponses responses, LocalClientRegistry registry,
            StatusStore store, GatewayMetrics metrics) {
        return GatewayServer.routes(config, responses, ASSETS, registry, store, metrics,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Runnable::run, () -> false,
                new ConnectionLimiter(config.security().connections()));
    }
}
